
# 003_server.pl
#     End-to-end tests of pstreamd as a daemon: /healthz while the database
#     stops and starts again, the request log, and SIGTERM, which must let a
#     request in flight finish and exit 0.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use HTTP::Tiny;
use POSIX ();
use FindBin;
use lib "$FindBin::Bin/../perl";
use PstreamTest;

my $node = start_node('server');
my $server = start_pstreamd($node, 'server');
my $response;

my $record_text =
  '{"name":"Jack Ryan","city":"Washington, DC","zip-code":20006,"is_pet_owner":true,"gym_membership_uuid":"6c34f649-861e-4259-ac69-21b9dce86ca5","last_gym_visit":"2024-11-20","timestamp":"18:15:54.065585+00:00"}';

# --- healthz ---
$response = api($server, 'GET', '/healthz');
is($response->{status}, 200, 'healthz returns 200');
is_deeply($response->{json}, { status => 'ok', database => 'up' },
	'healthz body says the database is up');

# --- request log ---
$response = api($server, 'POST', '/api/v2/pstreams', '{"name":"logged"}');
is($response->{status}, 201, 'create returns 201');
$response = api($server, 'POST', '/api/v2/pstreams/pstream/logged/data',
	"[$record_text]");
is($response->{status}, 201, 'add returns 201');
my $add_id = $response->{headers}{'x-request-id'};
like($add_id, qr/^[0-9a-f]{16}$/, 'add answers a request id');

$response = api($server, 'GET', '/api/v2/pstreams/pstream/logged/data');
isnt($response->{headers}{'x-request-id'}, $add_id,
	'each request gets its own id');

# --- database stops: 503, pstreamd stays up ---
$node->stop;
$response = api($server, 'GET', '/healthz');
is($response->{status}, 503, 'healthz returns 503 with the database stopped');
is($response->{json}{database}, 'down', 'healthz body says the database is down');
like($response->{json}{detail}, qr/database unreachable/,
	'healthz detail says the database is unreachable');
$response = api($server, 'GET', '/api/v2/pstreams/pstream/logged/data');
is($response->{status}, 503, 'read returns 503 with the database stopped');
ok(kill(0, $server->{pid}), 'pstreamd keeps running without its database');

# --- database starts again: pstreamd recovers without a restart ---
$node->start;
$response = api($server, 'GET', '/healthz');
is($response->{status}, 200, 'healthz returns 200 after the database starts');
$response = api($server, 'GET', '/api/v2/pstreams/pstream/logged/data');
is($response->{status}, 200, 'read returns 200 after the database starts');
is($response->{json}{total_count}, 1, 'record survives the restart');

# --- options and start-up failures ---
program_help_ok($ENV{PSTREAMD});
program_version_ok($ENV{PSTREAMD});
program_options_handling_ok($ENV{PSTREAMD});
command_fails_like([ $ENV{PSTREAMD}, '--port=0' ],
	qr/invalid value for --port: "0"/, 'port 0 is rejected');
command_fails_like([ $ENV{PSTREAMD}, '--pool-size=many' ],
	qr/invalid value for --pool-size: "many"/, 'non-numeric pool size is rejected');
command_fails_like([ $ENV{PSTREAMD}, '--listen=localhost' ],
	qr/invalid --listen address "localhost"/, 'host name as address is rejected');
{
	my ($port) = $server->{base} =~ /:(\d+)$/;
	my $conninfo =
	  'host=' . $node->host . ' port=' . $node->port . ' dbname=postgres';
	command_fails_like(
		[ $ENV{PSTREAMD}, "--port=$port", "--db=$conninfo" ],
		qr/could not listen on 127\.0\.0\.1 port $port/,
		'port in use fails the start');
}

# --- periodic retention purge ---
{
	my $purging = start_pstreamd($node, 'server_purge', '--purge-interval=1');

	$response = api($purging, 'POST', '/api/v2/pstreams',
		'{"name":"expiring","attributes":{"retention_days":1}}');
	is($response->{status}, 201, 'create with retention returns 201');
	$response = api($purging, 'POST', '/api/v2/pstreams/pstream/expiring/data',
		'[{"timestamp":"2000-01-01T00:00:00Z","old":true},{"fresh":true}]');
	is($response->{status}, 201, 'add of an old and a fresh record returns 201');

	ok( $node->poll_query_until(
			'postgres', "SELECT count(*) FROM pstream_select('expiring')", '1'),
		'purge deletes the expired record');
	my $log_text;
	foreach (1 .. 10 * $PostgreSQL::Test::Utils::timeout_default)
	{
		$log_text = server_log($purging);
		last if $log_text =~ /retention purge deleted/;
		select(undef, undef, undef, 0.1);
	}
	like($log_text,
		qr/retention purge deleted 1 records from pstream expiring/,
		'purge logs the pstream and count');
	is( $node->safe_psql(
			'postgres', "SELECT count(*) FROM pstream_select('logged')"),
		'1',
		'purge keeps records of a pstream without retention');
}

# --- SIGTERM lets a request in flight finish ---
# A lock held by another session makes an add wait inside PostgreSQL, so
# the add is in flight when SIGTERM arrives.
my $locker = $node->background_psql('postgres');
$locker->query_safe('BEGIN');
$locker->query_safe('LOCK TABLE pstream_data.logged IN ACCESS EXCLUSIVE MODE');

my $status_file = "$PostgreSQL::Test::Utils::tmp_check/in_flight_status";
my $client_pid = fork();
die "fork failed: $!" unless defined $client_pid;
if ($client_pid == 0)
{
	# A new client: the parent's keep-alive socket must not be shared.
	reset_http_client();
	my $in_flight = api($server, 'POST',
		'/api/v2/pstreams/pstream/logged/data', '[{"in_flight":true}]');
	open(my $file, '>', $status_file) or POSIX::_exit(1);
	print $file $in_flight->{status};
	close($file);

	# _exit: the child must not run the END blocks that stop the node.
	POSIX::_exit(0);
}
$node->poll_query_until('postgres',
	"SELECT count(*) > 0 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%pstream_add%'"
) or die 'the add did not start waiting for the lock';

# A request that waits must not delay requests on other connections.
$response = api($server, 'GET', '/healthz');
is($response->{status}, 200, 'healthz answers while an add waits');
$response = api($server, 'GET', '/api/v2/pstreams/pstream/expiring/stats');
is($response->{status}, 200, 'stats answers while an add waits');

kill 'TERM', $server->{pid};
my $log_text;
foreach (1 .. 10 * $PostgreSQL::Test::Utils::timeout_default)
{
	$log_text = server_log($server);
	last if $log_text =~ /stopped accepting connections/;
	select(undef, undef, undef, 0.1);
}
like($log_text, qr/received SIGTERM/, 'SIGTERM is logged');
like($log_text, qr/stopped accepting connections/,
	'stop of accepting is logged');
$response = HTTP::Tiny->new->get("$server->{base}/healthz");
is($response->{status}, 599, 'no new connection is accepted after SIGTERM');
ok(kill(0, $server->{pid}), 'pstreamd waits for the request in flight');

$locker->query_safe('COMMIT');
$locker->quit;
waitpid($client_pid, 0);
is(PostgreSQL::Test::Utils::slurp_file($status_file),
	'201', 'request in flight at SIGTERM completes with 201');

is(wait_pstreamd($server), 0, 'pstreamd exits 0 after SIGTERM');

is( $node->safe_psql(
		'postgres', "SELECT count(*) FROM pstream_select('logged')"),
	'2',
	'record added during shutdown is stored');

# --- what the log contains ---
$log_text = server_log($server);
like(
	$log_text,
	qr/\[$add_id\] request method=POST path=\/api\/v2\/pstreams\/pstream\/logged\/data status=201 ms=[0-9.]+ bytes=\d+/,
	'access line carries the request id, method, path and status');
unlike($log_text, qr/Jack Ryan/, 'log never contains a record value');
unlike($log_text, qr/gym_membership_uuid/, 'log never contains a record key');
like($log_text, qr/status=503/, '503 responses are logged');
like($log_text, qr/pstreamd stopped/, 'the stop is logged');

# --- unmapped SQLSTATE: generic 500, cause in the log ---
# Without the extension, the prepared call fails with 42883
# (undefined_function), which the mapping table does not list.
{
	my ($purging) = running_pstreamd();
	$node->safe_psql('postgres', 'DROP EXTENSION pstream CASCADE');
	$response = api($purging, 'GET', '/api/v2/pstreams');
	is($response->{status}, 500, 'unmapped SQLSTATE returns 500');
	my $id = $response->{headers}{'x-request-id'};
	like($response->{json}{detail}, qr/internal server error.*\Q$id\E/,
		'500 detail is generic and names the request id');
	unlike($response->{json}{detail}, qr/pstream_list/,
		'500 detail does not show the SQL');
	like(server_log($purging), qr/\[\Q$id\E\] database error with unmapped SQLSTATE \w{5}/,
		'unmapped SQLSTATE is logged with the request id');
}

done_testing();
