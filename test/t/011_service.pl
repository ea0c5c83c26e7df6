
# 011_service.pl
#     End-to-end tests of pstreamd as a service under load and faults: the
#     connection timeout frees a client that sends nothing, the connection
#     limit, the statement timeout (503), 100 concurrent requests on a small
#     pool, PostgreSQL stopping during traffic (503) and starting again
#     (200 without a restart of pstreamd), and SIGTERM during a large add,
#     which must either store and acknowledge the add or do neither.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use HTTP::Tiny;
use IO::Socket::INET;
use POSIX ();
use Time::HiRes qw(time sleep);
use FindBin;
use lib "$FindBin::Bin/../perl";
use PstreamTest;

# Open a TCP connection to the server that sends nothing.
sub idle_connection
{
	my ($server) = @_;
	my $socket = IO::Socket::INET->new(
		PeerAddr => '127.0.0.1',
		PeerPort => $server->{port},
		Proto => 'tcp');
	die "cannot connect: $!" unless $socket;
	return $socket;
}

# Seconds until the server closes $socket, or undef after $limit seconds.
sub seconds_until_closed
{
	my ($socket, $limit) = @_;
	my $started = time;

	while (time - $started < $limit)
	{
		my $read_set = '';
		vec($read_set, fileno($socket), 1) = 1;
		next unless select($read_set, undef, undef, 0.1) > 0;
		my $chunk;
		my $count = sysread($socket, $chunk, 4096);
		return time - $started if !$count;
	}
	return undef;
}

my $node = start_node('service');
my $server = start_pstreamd($node, 'service', '--pool-size=4',
	'--connection-timeout=1', '--max-connections=200',
	'--statement-timeout=500');
my $response;

$response = api($server, 'POST', '/api/v2/pstreams', '{"name":"load"}');
is($response->{status}, 201, 'create returns 201');
$response = api($server, 'POST', '/api/v2/pstreams/pstream/load/data',
	'[{"n":1},{"n":2}]');
is($response->{status}, 201, 'add returns 201');

# --- a client that connects and sends nothing is freed ---
{
	my $socket = idle_connection($server);
	my $seconds = seconds_until_closed($socket, 10);
	ok(defined $seconds, 'silent client is disconnected');
	cmp_ok($seconds // 99, '<', 5,
		'silent client is disconnected after --connection-timeout=1');
	close($socket);
}

# --- 100 concurrent requests on a pool of 4 connections ---
{
	my @children;
	my $results = "$PostgreSQL::Test::Utils::tmp_check/concurrent";
	mkdir $results;
	foreach my $i (1 .. 100)
	{
		my $pid = fork();
		die "fork failed: $!" unless defined $pid;
		if ($pid == 0)
		{
			my $client = HTTP::Tiny->new(timeout => 60);
			my $path = $i % 2
			  ? '/api/v2/pstreams/pstream/load/data?sort=n'
			  : '/api/v2/pstreams/pstream/load/stats';
			my $answer = $client->get("$server->{base}$path");
			open(my $file, '>', "$results/$i") or POSIX::_exit(1);
			print $file $answer->{status};
			close($file);
			POSIX::_exit(0);
		}
		push @children, $pid;
	}
	waitpid($_, 0) foreach @children;

	my %statuses;
	foreach my $i (1 .. 100)
	{
		my $status = eval { PostgreSQL::Test::Utils::slurp_file("$results/$i") } // 'none';
		$statuses{$status}++;
	}
	is_deeply(\%statuses, { 200 => 100 }, '100 concurrent requests all return 200');
}

# --- connection limit ---
{
	my $limited = start_pstreamd($node, 'limited', '--max-connections=2',
		'--connection-timeout=30');
	my @held = (idle_connection($limited), idle_connection($limited));
	sleep(0.3);
	my $client = HTTP::Tiny->new(timeout => 5, keep_alive => 0);
	my $refused = $client->get("$limited->{base}/healthz");
	is($refused->{status}, 599, 'a connection over --max-connections is closed');
	close($_) foreach @held;
	sleep(0.3);
	my $accepted = $client->get("$limited->{base}/healthz");
	is($accepted->{status}, 200, 'connections are accepted again below the limit');
	is(stop_pstreamd($limited), 0, 'limited server exits 0');
}

# --- statement timeout: 503, nothing stored, the server keeps serving ---
{
	my $locker = $node->background_psql('postgres');
	$locker->query_safe('BEGIN');
	$locker->query_safe('LOCK TABLE pstream_data.load IN ACCESS EXCLUSIVE MODE');

	my $started = time;
	$response = api($server, 'POST', '/api/v2/pstreams/pstream/load/data',
		'[{"n":3}]');
	my $elapsed = time - $started;
	is($response->{status}, 503, 'statement over --statement-timeout returns 503');
	like($response->{json}{detail}, qr/timed out after 500 ms/,
		'503 detail says the statement timed out and after how long');
	cmp_ok($elapsed, '<', 5, 'the request ends soon after the timeout');

	$locker->query_safe('COMMIT');
	$locker->quit;
	is(record_count($node, 'load'), '2', 'timed-out add stores nothing');
	$response = api($server, 'GET', '/api/v2/pstreams/pstream/load/data');
	is($response->{status}, 200, 'read after a statement timeout returns 200');
	like(server_log($server),
		qr/statement canceled \(SQLSTATE 57014\)/, 'the timeout is logged with its SQLSTATE');
}

# --- PostgreSQL stops during traffic: 503; starts again: 200 ---
{
	my $statuses_file = "$PostgreSQL::Test::Utils::tmp_check/traffic";
	my $stop_file = "$PostgreSQL::Test::Utils::tmp_check/traffic_stop";
	unlink $stop_file;
	my $client_pid = fork();
	die "fork failed: $!" unless defined $client_pid;
	if ($client_pid == 0)
	{
		my $client = HTTP::Tiny->new(timeout => 30);
		my %seen;
		until (-e $stop_file)
		{
			my $answer =
			  $client->get("$server->{base}/api/v2/pstreams/pstream/load/data");
			$seen{ $answer->{status} }++;
			sleep(0.02);
		}
		open(my $file, '>', $statuses_file) or POSIX::_exit(1);
		print $file join(',', sort keys %seen);
		close($file);
		POSIX::_exit(0);
	}

	sleep(0.5);
	$node->stop('fast');
	sleep(1);
	$response = api($server, 'GET', '/api/v2/pstreams/pstream/load/data');
	is($response->{status}, 503, 'read with the database stopped returns 503');
	like($response->{json}{detail}, qr/database unreachable/,
		'503 detail says the database is unreachable');
	$response = api($server, 'GET', '/healthz');
	is($response->{status}, 503, 'healthz returns 503 with the database stopped');
	is($response->{json}{database}, 'down', 'healthz says the database is down');
	$response = api($server, 'GET', '/metrics');
	like($response->{content}, qr/^pstreamd_database_up 0$/m, 'metrics show the database down');

	$node->start;
	my $recovered;
	foreach (1 .. 10 * $PostgreSQL::Test::Utils::timeout_default)
	{
		$response = api($server, 'GET', '/api/v2/pstreams/pstream/load/data');
		last if ($recovered = $response->{status} == 200);
		sleep(0.1);
	}
	ok($recovered, 'read returns 200 after the database starts, without a restart');
	sleep(0.5);

	open(my $stop, '>', $stop_file) or die "cannot write $stop_file: $!";
	close($stop);
	waitpid($client_pid, 0);
	my $seen = PostgreSQL::Test::Utils::slurp_file($statuses_file);
	like($seen, qr/^(200|503)(,(200|503))*$/,
		"only 200 and 503 during the outage (saw $seen)");
	like($seen, qr/200/, 'traffic was served before and after the outage');
	ok(kill(0, $server->{pid}), 'pstreamd kept running through the outage');
	like(server_log($server),
		qr/database connection \d+ reconnected/, 'the reconnect is logged');
}

# --- SIGTERM during a large add: acknowledged and stored, or neither ---
# --shutdown-timeout=0 cancels the add's statement at once unless it
# finished, so both outcomes are possible and each is checked.
{
	my $stopping = start_pstreamd($node, 'stopping', '--shutdown-timeout=0');
	$response = api($stopping, 'POST', '/api/v2/pstreams', '{"name":"big"}');
	is($response->{status}, 201, 'create of the large add target returns 201');

	my $count = 50000;
	my $body = '['
	  . join(',', map { qq({"n":$_,"text":"record number $_ of a large add"}) } 1 .. $count)
	  . ']';
	my $status_file = "$PostgreSQL::Test::Utils::tmp_check/big_status";
	my $client_pid = fork();
	die "fork failed: $!" unless defined $client_pid;
	if ($client_pid == 0)
	{
		reset_http_client(timeout => 60);
		my $answer = api($stopping, 'POST', '/api/v2/pstreams/pstream/big/data', $body);
		open(my $file, '>', $status_file) or POSIX::_exit(1);
		print $file $answer->{status};
		close($file);
		POSIX::_exit(0);
	}

	# Signal while the add runs in PostgreSQL, if the poll sees it there.
	$node->poll_query_until('postgres',
		"SELECT count(*) > 0 FROM pg_stat_activity WHERE query LIKE '%pstream_add%' AND state = 'active' AND pid <> pg_backend_pid()"
	);
	kill 'TERM', $stopping->{pid};
	waitpid($client_pid, 0);
	my $exit_status = wait_pstreamd($stopping) >> 8;

	my $status = PostgreSQL::Test::Utils::slurp_file($status_file);
	my $stored = record_count($node, 'big');
	if ($status eq '201')
	{
		is($stored, $count, 'acknowledged add is stored in full');
	}
	else
	{
		is($stored, '0', "unacknowledged add (status $status) stores nothing");
	}
	is($exit_status, 0, 'pstreamd exits 0 after SIGTERM during a large add');
	like(server_log($stopping),
		qr/pstreamd stopped/, 'the stop is logged');
}

done_testing();
