
# 032_slow_clients.pl
#     Slow and broken clients against pstreamd: clients that send a body
#     one byte per second are disconnected at --request-timeout, a client
#     that disconnects in the middle of its body stores nothing, and a
#     client that never reads a large response is disconnected at
#     --connection-timeout. None of them holds a database connection, and
#     other clients are served normally meanwhile.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IO::Socket::INET;
use Time::HiRes qw(time sleep);
use FindBin;
use lib "$FindBin::Bin/../perl";
use PstreamTest;

my $node = start_node('slow');
$node->append_conf('postgresql.conf', 'log_statement = none');
$node->reload;
my $server = start_pstreamd($node, 'slow', '--pool-size=2',
	'--connection-timeout=2', '--request-timeout=3', '--purge-interval=0');
my $data_path = '/api/v2/pstreams/pstream/slow/data';
my $response;

$response = api($server, 'POST', '/api/v2/pstreams', '{"name":"slow"}');
is($response->{status}, 201, 'create returns 201');

sub connect_server
{
	my $socket = IO::Socket::INET->new(
		PeerAddr => '127.0.0.1',
		PeerPort => $server->{port},
		Proto => 'tcp');
	die "cannot connect: $!" unless $socket;
	return $socket;
}

# Whether the server closed $socket: readable with EOF or an error.
sub closed_by_server
{
	my ($socket) = @_;
	my $read_set = '';
	vec($read_set, fileno($socket), 1) = 1;
	return 0 unless select($read_set, undef, undef, 0) > 0;
	my $count = sysread($socket, my $chunk, 65536);
	return !$count;
}

# Database connections of pstreamd that run a statement right now.
sub active_backends
{
	return $node->safe_psql('postgres',
		q(SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pstreamd' AND state <> 'idle'));
}

# Send one normal read and return its status and duration in seconds.
sub timed_read
{
	my $started = time;
	my $answer = api($server, 'GET', "$data_path?limit=1");
	return ($answer->{status}, time - $started);
}

# --- clients that send their body one byte per second ---
{
	local $SIG{PIPE} = 'IGNORE';
	my $body = '[' . join(',', map { qq({"drip":$_}) } 1 .. 20) . ']';
	my @drips;
	foreach (1 .. 10)
	{
		my $socket = connect_server();
		syswrite($socket,
			    "POST $data_path HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			  . "Content-Type: application/json\r\nContent-Length: "
			  . length($body)
			  . "\r\n\r\n");
		push @drips, { socket => $socket, sent => 0, closed_after => undef };
	}

	my $started = time;
	my (@slow_reads, @busy);
	while (time - $started < 10 && grep { !defined $_->{closed_after} } @drips)
	{
		foreach my $drip (grep { !defined $_->{closed_after} } @drips)
		{
			if (closed_by_server($drip->{socket}))
			{
				$drip->{closed_after} = time - $started;
				next;
			}
			syswrite($drip->{socket}, substr($body, $drip->{sent}++, 1));
		}
		my ($status, $seconds) = timed_read();
		push @slow_reads, "$status after $seconds s"
		  if $status != 200 || $seconds > 1;
		push @busy, active_backends() if active_backends() > 0;
		sleep(1);
	}
	my @open = grep { !defined $_->{closed_after} } @drips;
	is(scalar @open, 0, 'every one-byte-per-second client is disconnected');
	my ($latest) = sort { $b <=> $a } map { $_->{closed_after} // 99 } @drips;
	cmp_ok($latest, '<', 3 + 2.5,
		'one-byte-per-second clients are disconnected at --request-timeout=3');
	is_deeply(\@slow_reads, [], 'other clients are served while the slow ones send');
	is_deeply(\@busy, [], 'slow clients hold no database connection');
	is(record_count($node, 'slow'), '0', 'the cut bodies store nothing');
	like(server_log($server), qr/request body not received within 3 seconds \(request-timeout\)/,
		'the request timeout is logged');
	close($_->{socket}) foreach @drips;
}

# --- a client that disconnects in the middle of its body ---
{
	my $socket = connect_server();
	syswrite($socket,
		    "POST $data_path HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		  . "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
		  . '[' . ('{"half":1},' x 90));
	close($socket);
	sleep(0.5);
	is(pstreamd_metric($server, 'pstreamd_pool_connections_in_use'), 0,
		'a client gone mid-body holds no pool connection');
	is(active_backends(), 0, 'a client gone mid-body leaves no statement running');
	is(record_count($node, 'slow'), '0', 'a client gone mid-body stores nothing');
	like(server_log($server), qr/request ended before completion/,
		'the broken request is logged');
	my ($status) = timed_read();
	is($status, 200, 'the server serves normally after a client went away mid-body');
}

# --- a client that never reads a large response ---
{
	my $pad = 'y' x 2000;
	foreach my $part (1 .. 5)
	{
		$response = api($server, 'POST', $data_path,
			'[' . join(',', map { qq({"big":$_,"pad":"$pad"}) } 1 .. 2000) . ']');
		is($response->{status}, 201, "add of large records part $part returns 201");
	}

	my $socket = connect_server();
	syswrite($socket,
		"GET $data_path?limit=10000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	my $started = time;

	# The query itself holds a connection until its answer is built, which
	# takes longer under ASan on a busy machine: wait for the pool to empty.
	my $in_use;
	foreach (1 .. 100)
	{
		$in_use = pstreamd_metric($server, 'pstreamd_pool_connections_in_use');
		last if $in_use == 0;
		sleep(0.1);
	}
	is($in_use, 0, 'a client that does not read holds no pool connection');
	my (@slow_reads);
	foreach (1 .. 10)
	{
		my ($status, $seconds) = timed_read();
		push @slow_reads, "$status after $seconds s"
		  if $status != 200 || $seconds > 1;
	}
	is_deeply(\@slow_reads, [], 'other clients are served while one does not read');

	my $cut;
	while (time - $started < 15)
	{
		if (server_log($server) =~ /request ended before completion: (timeout|error|read error)/g
			&& server_log($server) =~ m{path=/api/v2/pstreams/pstream/slow/data status=200 .*bytes=(\d{8,})})
		{
			$cut = time - $started;
			last;
		}
		sleep(0.2);
	}
	ok(defined $cut, 'the server gives up on a client that does not read');
	cmp_ok($cut // 99, '<', 2 + 6,
		'a client that does not read is disconnected near --connection-timeout=2');
	close($socket);
}

is(stop_pstreamd($server), 0, 'pstreamd exits 0');

done_testing();
