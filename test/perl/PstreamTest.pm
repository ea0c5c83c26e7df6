
# PstreamTest.pm
#     Helpers shared by the end-to-end TAP tests in test/t: a node with the
#     extension, the real pstreamd binary from $ENV{PSTREAMD} on a free
#     loopback port, and HTTP requests with JSON bodies. pstreamd servers
#     still running when the test ends are stopped with SIGTERM.

package PstreamTest;

use strict;
use warnings;

use Exporter 'import';
use HTTP::Tiny;
use IO::Socket::INET;
use JSON::PP;
use POSIX ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils ();
use Time::HiRes ();

our @EXPORT = qw(
  start_node
  start_pstreamd
  stop_pstreamd
  wait_pstreamd
  track_pstreamd
  running_pstreamd
  server_log
  api
  http_client
  reset_http_client
  json_codec
  record_count
  uri_escape
  with_query
  row_names
  raw_request
  concurrent_requests
  parse_response
  pstreamd_metric
  process_rss_kb
);

my $json = JSON::PP->new->utf8->canonical;
my $http =
  HTTP::Tiny->new(timeout => $PostgreSQL::Test::Utils::timeout_default);

# pstreamd servers started by start_pstreamd or passed to track_pstreamd
# and not yet stopped. The END block below stops them.
my @servers;

=head1 NAME

PstreamTest - shared helpers of the pstream end-to-end TAP tests

=head1 SYNOPSIS

  use FindBin;
  use lib "$FindBin::Bin/../perl";
  use PstreamTest;

  my $node = start_node('example');
  my $server = start_pstreamd($node, 'example', '--max-body=1024');
  my $response = api($server, 'POST', '/api/v2/pstreams', '{"name":"people"}');
  is($response->{status}, 201, 'create returns 201');

All functions below are exported by default.

=head1 FUNCTIONS

=head2 start_node($name, @extensions)

Create, initialize and start a PostgreSQL::Test::Cluster node called
$name, create each of @extensions in database postgres, then create the
pstream extension. Returns the node.

=cut

sub start_node
{
	my ($name, @extensions) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);

	$node->init;
	$node->start;
	$node->safe_psql('postgres', "CREATE EXTENSION $_")
	  foreach (@extensions, 'pstream');
	return $node;
}

=head2 start_pstreamd($node, $label, [\%settings], @options)

Start $ENV{PSTREAMD} on a free 127.0.0.1 port against the node's unix
socket and database postgres, with --auth=off and then @options on its
command line, so a test that needs authentication passes --auth=on.
Its stdout and stderr go to pstreamd_$label.log in the test log directory.
An optional hash reference before @options may contain C<user> (the role
in the connection string), C<env> (a hash of variables added to the
environment of pstreamd) and C<port> (the port to listen on instead of a
free one, to restart a server on the port of one that was killed). Waits until GET /healthz returns 200 and dies
with the log path when it does not within the test timeout.

Returns the server as a hash reference with C<pid>, C<log>, C<port> and
C<base> (the URL prefix, such as C<http://127.0.0.1:PORT>).

=cut

sub start_pstreamd
{
	my ($node, $label, @options) = @_;
	my $settings = ref $options[0] eq 'HASH' ? shift @options : {};
	foreach my $key (sort keys %$settings)
	{
		die
		  "start_pstreamd: unknown setting \"$key\" (expected user, env or port)"
		  unless $key eq 'user' || $key eq 'env' || $key eq 'port';
	}
	my $port = $settings->{port} // PostgreSQL::Test::Cluster::get_free_port();
	my $log = "$PostgreSQL::Test::Utils::log_path/pstreamd_$label.log";
	my $conninfo =
	  'host=' . $node->host . ' port=' . $node->port . ' dbname=postgres';
	$conninfo .= " user=$settings->{user}" if defined $settings->{user};
	my $env = $settings->{env} // {};

	my $pid = fork();
	die "fork failed: $!" unless defined $pid;
	if ($pid == 0)
	{
		open(STDOUT, '>>', $log) or die "cannot open $log: $!";
		open(STDERR, '>>', $log) or die "cannot open $log: $!";
		$ENV{$_} = $env->{$_} foreach keys %$env;
		# A later --auth in @options wins over this default.
		exec($ENV{PSTREAMD}, '--listen=127.0.0.1', "--port=$port",
			"--db=$conninfo", '--auth=off', @options)
		  or print STDERR "cannot run $ENV{PSTREAMD}: $!\n";

		# _exit: the child must not run the END blocks that stop the node.
		POSIX::_exit(127);
	}

	my $server = {
		pid => $pid,
		log => $log,
		port => $port,
		base => "http://127.0.0.1:$port"
	};
	track_pstreamd($server);
	foreach (1 .. 10 * $PostgreSQL::Test::Utils::timeout_default)
	{
		my $response = $http->get("$server->{base}/healthz");
		return $server if $response->{status} == 200;
		Time::HiRes::sleep(0.1);
	}
	die "pstreamd on port $port did not become healthy; see $log";
}

=head2 stop_pstreamd($server, [$signal])

Send $signal (default TERM) to the server and wait for it to exit.
Returns the wait status that C<waitpid> stores in C<$?>. The exit code is
C<<< $status >> 8 >>>, and 0 means that pstreamd exited with code 0 and was
not killed by a signal.

=cut

sub stop_pstreamd
{
	my ($server, $signal) = @_;

	kill $signal // 'TERM', $server->{pid};
	return wait_pstreamd($server);
}

=head2 wait_pstreamd($server)

Wait for a server that was already sent a signal to exit, and stop
tracking it. Returns the wait status, as stop_pstreamd does.

=cut

sub wait_pstreamd
{
	my ($server) = @_;

	waitpid($server->{pid}, 0);
	my $status = $?;
	@servers = grep { $_ != $server } @servers;
	return $status;
}

=head2 track_pstreamd($server)

Add a server hash reference with a C<pid> to the servers that the END
block stops, for a pstreamd process that a test starts itself.

=cut

sub track_pstreamd
{
	my ($server) = @_;
	push @servers, $server;
	return;
}

=head2 running_pstreamd()

Returns the tracked servers that have not been stopped, in start order.

=cut

sub running_pstreamd
{
	return @servers;
}

=head2 server_log($server)

Returns the whole log file of a server as text.

=cut

sub server_log
{
	my ($server) = @_;
	return PostgreSQL::Test::Utils::slurp_file($server->{log});
}

=head2 api($server, $method, $path, [$body], [$content_type])

Send a request to C<< $server->{base} . $path >> with the shared HTTP::Tiny
client. A defined $body is sent with Content-Type application/json unless
$content_type gives another type. An empty $content_type sends no
Content-Type header. Returns HTTP::Tiny's response hash with the decoded
JSON body under C<json> (undef when the body is not JSON).

=cut

sub api
{
	my ($server, $method, $path, $body, $content_type) = @_;
	my %options = (headers => {});

	if (defined $body)
	{
		$options{content} = $body;
		$content_type //= 'application/json';
		$options{headers}{'Content-Type'} = $content_type
		  if $content_type ne '';
	}
	my $response = $http->request($method, "$server->{base}$path", \%options);
	$response->{json} = eval { $json->decode($response->{content}) };
	return $response;
}

=head2 http_client()

Returns the shared HTTP::Tiny client that api and start_pstreamd use,
for requests that api cannot build.

=cut

sub http_client
{
	return $http;
}

=head2 reset_http_client(%options)

Replace the shared HTTP::Tiny client with a new one built with %options
(default: the test timeout). A forked child calls this before its first
request so that it does not share the parent's keep-alive connection.
Returns the new client.

=cut

sub reset_http_client
{
	my (%options) = @_;

	$options{timeout} //= $PostgreSQL::Test::Utils::timeout_default;
	$http = HTTP::Tiny->new(%options);
	return $http;
}

=head2 json_codec()

Returns the shared JSON::PP object (UTF-8, canonical key order) that api
uses to decode response bodies.

=cut

sub json_codec
{
	return $json;
}

=head2 record_count($node, $name)

Returns the number of records in pstream $name, read with SQL through
pstream_select, as text.

=cut

sub record_count
{
	my ($node, $name) = @_;
	return $node->safe_psql('postgres',
		"SELECT count(*) FROM pstream_select('$name')");
}

=head2 uri_escape($text)

Percent-encode every byte of the UTF-8 text except RFC 3986's unreserved
characters, so quotes, spaces, backquotes, "+" and "%" reach pstreamd as
data. Returns the encoded text.

=cut

sub uri_escape
{
	my ($text) = @_;
	my $bytes = $text;

	utf8::encode($bytes);
	$bytes =~ s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord($1))/ge;
	return $bytes;
}

=head2 with_query($path, @pairs)

Build "path?name=value&..." from a list of name/value pairs, each value
percent-encoded. Names may repeat. Returns $path unchanged when @pairs is
empty.

=cut

sub with_query
{
	my ($path, @pairs) = @_;
	my @parts;

	while (my ($name, $value) = splice(@pairs, 0, 2))
	{
		push @parts, "$name=" . uri_escape($value);
	}
	return @parts ? "$path?" . join('&', @parts) : $path;
}

=head2 row_names($response, $rows_key)

Returns a reference to the sorted C<name> fields of the rows under
$rows_key in a read's JSON body.

=cut

sub row_names
{
	my ($response, $rows_key) = @_;
	return [ sort map { $_->{name} } @{ $response->{json}{$rows_key} } ];
}

=head2 raw_request($server, $bytes, [$timeout])

Send $bytes as they are on a new TCP connection to the server and read
until the server closes the connection or
$timeout seconds (default 10) pass. Returns the bytes received, which are
empty when the server closed the connection without answering, or undef
when the connection could not be opened.

=cut

sub raw_request
{
	my ($server, $bytes, $timeout) = @_;
	$timeout //= 10;
	my $socket = IO::Socket::INET->new(
		PeerAddr => '127.0.0.1',
		PeerPort => $server->{port},
		Proto => 'tcp',
		Timeout => $timeout);
	return undef unless $socket;

	# A server that closes early makes the rest of the write fail with
	# EPIPE, which is a valid outcome, so the write result is not checked.
	local $SIG{PIPE} = 'IGNORE';
	my $offset = 0;
	while ($offset < length $bytes)
	{
		my $written = syswrite($socket, $bytes, 65536, $offset);
		last unless $written;
		$offset += $written;
	}

	my $received = '';
	my $deadline = Time::HiRes::time() + $timeout;
	while (Time::HiRes::time() < $deadline)
	{
		my $read_set = '';
		vec($read_set, fileno($socket), 1) = 1;
		next unless select($read_set, undef, undef, 0.1) > 0;
		my $count = sysread($socket, my $chunk, 65536);
		last unless $count;
		$received .= $chunk;
	}
	close($socket);
	return $received;
}

=head2 concurrent_requests($server, \@requests, [$timeout])

Open one TCP connection per element of @requests (raw request bytes, each
small enough for the socket buffer), all before any response is read,
send each request, then read every connection until the server closes it
or $timeout seconds (default 60) pass. Returns a reference to the list of
bytes received per request, in order: empty when the server closed the
connection without answering, undef when the connection failed.

=cut

sub concurrent_requests
{
	my ($server, $requests, $timeout) = @_;
	$timeout //= 60;
	my (@sockets, @received);
	local $SIG{PIPE} = 'IGNORE';

	foreach my $i (0 .. $#$requests)
	{
		my $socket = IO::Socket::INET->new(
			PeerAddr => '127.0.0.1',
			PeerPort => $server->{port},
			Proto => 'tcp');
		$sockets[$i] = $socket;
		$received[$i] = $socket ? '' : undef;
	}
	foreach my $i (0 .. $#$requests)
	{
		next unless $sockets[$i];
		unless (defined syswrite($sockets[$i], $requests->[$i]))
		{
			close($sockets[$i]);
			$sockets[$i] = undef;
		}
	}

	my %open = map { $_ => 1 } grep { $sockets[$_] } 0 .. $#sockets;
	my $deadline = Time::HiRes::time() + $timeout;
	while (%open && Time::HiRes::time() < $deadline)
	{
		my $read_set = '';
		vec($read_set, fileno($sockets[$_]), 1) = 1 foreach keys %open;
		next unless select(my $ready = $read_set, undef, undef, 0.2) > 0;
		foreach my $i (keys %open)
		{
			next unless vec($ready, fileno($sockets[$i]), 1);
			my $count = sysread($sockets[$i], my $chunk, 65536);
			if ($count)
			{
				$received[$i] .= $chunk;
				next;
			}
			close($sockets[$i]);
			delete $open{$i};
		}
	}
	close($sockets[$_]) foreach keys %open;
	return \@received;
}

=head2 parse_response($bytes, [$no_body])

Parse the first HTTP/1.x response in $bytes; with $no_body true (the
answer to a HEAD request) the response has no body whatever its
Content-Length says. Returns a hash reference
with C<status>, C<headers> (lower-case names), C<body> (the
Content-Length bytes after the header) and C<json> (the decoded body, or
undef), or undef when $bytes do not start with a complete status line,
header and body.

=cut

sub parse_response
{
	my ($bytes, $no_body) = @_;

	return undef unless defined $bytes;
	return undef
	  unless $bytes =~ m{\AHTTP/1\.[01] (\d{3})[^\r\n]*\r\n((?:[^\r\n]+\r\n)*)\r\n}g;
	my ($status, $header_text) = ($1, $2);
	my $body_start = pos($bytes);
	my %headers;
	foreach my $line (split /\r\n/, $header_text)
	{
		my ($name, $value) = $line =~ /\A([^:]+):[ \t]*(.*)\z/ or return undef;
		$headers{ lc $name } = $value;
	}
	my $length = $headers{'content-length'};
	return undef unless defined $length && $length =~ /\A\d+\z/;
	$length = 0 if $no_body;
	return undef if length($bytes) - $body_start < $length;
	my $body = substr($bytes, $body_start, $length);
	return {
		status => $status,
		headers => \%headers,
		body => $body,
		json => scalar eval { $json->decode($body) },
	};
}

=head2 pstreamd_metric($server, $name)

Returns the value of the metric $name (a full series name such as
C<pstreamd_pool_connections_in_use>) from GET /metrics, or undef when the
request fails or the series is missing.

=cut

sub pstreamd_metric
{
	my ($server, $name) = @_;
	my $response = $http->get("$server->{base}/metrics");

	return undef unless $response->{status} == 200;
	return $response->{content} =~ /^\Q$name\E (\S+)$/m ? $1 : undef;
}

=head2 process_rss_kb($pid)

Returns the resident set size of process $pid in KiB, read from VmRSS in
/proc/$pid/status, or undef when it cannot be read.

=cut

sub process_rss_kb
{
	my ($pid) = @_;

	open(my $file, '<', "/proc/$pid/status") or return undef;
	while (my $line = <$file>)
	{
		return $1 if $line =~ /^VmRSS:\s+(\d+) kB/;
	}
	return undef;
}

# Stop every server still running so that the node can shut down. The
# local $? keeps waitpid from replacing the exit status of the test.
END
{
	local $?;

	foreach my $server (@servers)
	{
		kill 'TERM', $server->{pid};
		waitpid($server->{pid}, 0);
	}
}

1;
