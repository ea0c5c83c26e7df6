
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
in the connection string) and C<env> (a hash of variables added to the
environment of pstreamd). Waits until GET /healthz returns 200 and dies
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
		die "start_pstreamd: unknown setting \"$key\" (expected user or env)"
		  unless $key eq 'user' || $key eq 'env';
	}
	my $port = PostgreSQL::Test::Cluster::get_free_port();
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
