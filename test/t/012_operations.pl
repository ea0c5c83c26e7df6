
# 012_operations.pl
#     End-to-end tests of how pstreamd is run and watched: options from the
#     command line, PSTREAMD_* environment variables and a config file with
#     their precedence, --help and --version, the start line with the
#     password masked, JSON log lines, the request id header, a log file
#     reopened on SIGHUP, GET /metrics, GET /api/v2/openapi.json, and
#     SIGINT.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use POSIX ();
use Time::HiRes qw(sleep);
use FindBin;
use lib "$FindBin::Bin/../perl";
use PstreamTest;

# The line of a log that matches $pattern, or '' when none does.
sub log_line
{
	my ($file, $pattern) = @_;
	my ($line) = grep { $_ =~ $pattern }
	  split /\n/, PostgreSQL::Test::Utils::slurp_file($file);
	return $line // '';
}

my $node = start_node('operations');
my $response;

# --- --help and --version ---
{
	my ($stdout, $stderr);
	IPC::Run::run([ $ENV{PSTREAMD}, '--help' ], '>', \$stdout, '2>', \$stderr);
	foreach my $option (
		qw(listen port db pool-size max-body max-connections connection-timeout
		statement-timeout shutdown-timeout purge-interval log-format log-file config))
	{
		like($stdout, qr/--\Q$option\E=/, "--help lists --$option");
	}
	like($stdout, qr/milliseconds.*\(default 0\)/, '--help gives the unit and default of statement-timeout');
	like($stdout, qr/seconds.*\(default 60\)/, '--help gives the unit and default of connection-timeout');
	like($stdout, qr/PSTREAMD_<NAME>/, '--help explains the environment variables');
	IPC::Run::run([ $ENV{PSTREAMD}, '--version' ], '>', \$stdout, '2>', \$stderr);
	like($stdout, qr/^pstreamd \d+\.\d+\.\d+$/m, '--version prints the version');
}

# --- invalid values name their source ---
command_fails_like([ $ENV{PSTREAMD}, '--statement-timeout=-1' ],
	qr/invalid value for --statement-timeout: "-1"/, 'negative statement timeout is rejected');
command_fails_like([ $ENV{PSTREAMD}, '--log-format=xml' ],
	qr/invalid value for --log-format: "xml" \(expected text or json\)/,
	'unknown log format is rejected');
{
	local $ENV{PSTREAMD_MAX_CONNECTIONS} = 'lots';
	command_fails_like([ $ENV{PSTREAMD} ],
		qr/invalid value for PSTREAMD_MAX_CONNECTIONS: "lots"/,
		'invalid environment variable is rejected by name');
}
command_fails_like([ $ENV{PSTREAMD}, '--pool=3' ],
	qr/unknown option "--pool"/, 'abbreviated option is rejected');
{
	local $ENV{PSTREAMD_POOLSIZE} = '3';
	command_fails_like([ $ENV{PSTREAMD} ],
		qr/unknown environment variable "PSTREAMD_POOLSIZE"/,
		'misspelt environment variable is rejected');
}
my $config_file = "$PostgreSQL::Test::Utils::tmp_check/pstreamd.conf";
PostgreSQL::Test::Utils::append_to_file($config_file, "# comment\n\nno_such_option = 1\n");
command_fails_like([ $ENV{PSTREAMD}, "--config=$config_file" ],
	qr/unknown option "no_such_option" in config file ".*" line 3/,
	'unknown config file option is rejected with its line');
command_fails_like([ $ENV{PSTREAMD}, '--config=/nonexistent/pstreamd.conf' ],
	qr/could not open config file "\/nonexistent\/pstreamd.conf"/,
	'missing config file is rejected');

# --- precedence: command line > environment > config file > default ---
unlink $config_file;
PostgreSQL::Test::Utils::append_to_file($config_file,
	"pool-size = 3\nshutdown-timeout = 7\nconnection-timeout = 9\n");
{
	my $server = start_pstreamd($node, 'precedence',
		{ env => { PSTREAMD_POOL_SIZE => 5, PSTREAMD_SHUTDOWN_TIMEOUT => 6 } },
		"--config=$config_file", '--pool-size=2');
	my $start = log_line($server->{log}, qr/starting with/);
	like($start, qr/ pool-size=2 /, 'command line wins over environment and file');
	like($start, qr/ shutdown-timeout=6s /, 'environment wins over the config file');
	like($start, qr/ connection-timeout=9s /, 'config file wins over the default');
	like($start, qr/ max-body=67108864 /, 'default applies when nothing sets the option');
	is(stop_pstreamd($server, 'TERM') >> 8, 0, 'precedence server exits 0');
}
{
	my $server = start_pstreamd($node, 'config_env',
		{ env => { PSTREAMD_CONFIG => $config_file } });
	like(log_line($server->{log}, qr/starting with/), qr/ pool-size=3 /,
		'PSTREAMD_CONFIG names the config file');
	is(stop_pstreamd($server, 'INT') >> 8, 0, 'SIGINT stops pstreamd with exit status 0');
	like(server_log($server), qr/received SIGINT: stopping/,
		'SIGINT is logged');
}

# --- the password never reaches the log ---
{
	my $log = "$PostgreSQL::Test::Utils::log_path/pstreamd_password.log";
	my $conninfo = 'host=' . $node->host . ' port=' . $node->port
	  . ' dbname=postgres password=Sekr1t-Pa55';
	my $port = PostgreSQL::Test::Cluster::get_free_port();
	my $pid = fork();
	die "fork failed: $!" unless defined $pid;
	if ($pid == 0)
	{
		open(STDERR, '>>', $log) or die "cannot open $log: $!";
		exec($ENV{PSTREAMD}, "--port=$port", "--db=$conninfo")
		  or POSIX::_exit(127);
	}
	my $server = { pid => $pid, log => $log };
	track_pstreamd($server);
	my $ready;
	foreach (1 .. 10 * $PostgreSQL::Test::Utils::timeout_default)
	{
		last if ($ready = http_client()->get("http://127.0.0.1:$port/healthz")->{status} == 200);
		sleep(0.1);
	}
	ok($ready, 'server with a password in --db starts');
	stop_pstreamd($server, 'TERM');
	my $text = PostgreSQL::Test::Utils::slurp_file($log);
	like($text, qr/password='\*\*\*\*\*\*\*\*'/, 'start line shows the password masked');
	unlike($text, qr/Sekr1t/, 'the password is not in the log');
}

# --- JSON log, request id, log file reopened on SIGHUP ---
my $log_file = "$PostgreSQL::Test::Utils::tmp_check/pstreamd-json.log";
my $server = start_pstreamd($node, 'json', '--log-format=json',
	"--log-file=$log_file");
$response = api($server, 'POST', '/api/v2/pstreams', '{"name":"watched"}');
is($response->{status}, 201, 'create returns 201');
my $request_id = $response->{headers}{'x-request-id'};
like($request_id, qr/^[0-9a-f]{16}$/, 'response carries an X-Request-Id header');
$response = api($server, 'POST', '/api/v2/pstreams/pstream/watched/data',
	'[{"secret_field":"private value"}]');
is($response->{status}, 201, 'add returns 201');
{
	my @entries = map { json_codec()->decode($_) }
	  split /\n/, PostgreSQL::Test::Utils::slurp_file($log_file);
	ok(@entries > 0, 'the log file has JSON lines');
	my ($access) = grep {
		($_->{request_id} // '') eq $request_id && $_->{message} eq 'request'
	} @entries;
	is($access->{method}, 'POST', 'JSON access line has the method');
	is($access->{path}, '/api/v2/pstreams', 'JSON access line has the path');
	is($access->{status}, 201, 'JSON access line has the status');
	ok(defined $access->{ms} && defined $access->{bytes} && defined $access->{time},
		'JSON access line has the time, milliseconds and bytes');
	my ($start) = grep { $_->{message} =~ /starting with/ } @entries;
	like($start->{message}, qr/log-format=json/, 'JSON start line has the options in force');
	unlike(PostgreSQL::Test::Utils::slurp_file($log_file), qr/private value|secret_field/,
		'the log never contains a record');
}
rename($log_file, "$log_file.1") or die "cannot rename $log_file: $!";
kill 'HUP', $server->{pid};
foreach (1 .. 10 * $PostgreSQL::Test::Utils::timeout_default)
{
	last if -e $log_file;
	sleep(0.1);
}
ok(-e $log_file, 'SIGHUP creates the log file again');
$response = api($server, 'GET', '/healthz');
my $after_id = $response->{headers}{'x-request-id'};
like(PostgreSQL::Test::Utils::slurp_file($log_file), qr/reopened log file/,
	'the reopen is logged in the new file');

# The access line is written after the response is sent.
foreach (1 .. 10 * $PostgreSQL::Test::Utils::timeout_default)
{
	last if PostgreSQL::Test::Utils::slurp_file($log_file) =~ /"request_id":"$after_id"/;
	sleep(0.1);
}
like(PostgreSQL::Test::Utils::slurp_file($log_file), qr/"request_id":"$after_id"/,
	'requests after SIGHUP are logged in the new file');
unlike(PostgreSQL::Test::Utils::slurp_file("$log_file.1"), qr/$after_id/,
	'the rotated file gets no new lines');

# --- metrics ---
api($server, 'GET', '/nowhere');
api($server, 'PATCH', '/api/v2/pstreams');

# A request is counted when it completes, after its response is sent, so a
# scrape on another connection can come first: wait for the last one.
foreach (1 .. 10 * $PostgreSQL::Test::Utils::timeout_default)
{
	$response = api($server, 'GET', '/metrics');
	last if $response->{content} =~ /route="unmatched",status="405"/;
	sleep(0.1);
}
is($response->{status}, 200, 'metrics returns 200');
like($response->{headers}{'content-type'}, qr{^text/plain; version=0\.0\.4},
	'metrics use the Prometheus text content type');
my $metrics = $response->{content};
like($metrics, qr/^pstreamd_requests_total\{method="POST",route="\/api\/v2\/pstreams",status="201"\} 1$/m,
	'requests are counted by route and status');
like($metrics, qr/^pstreamd_requests_total\{method="",route="unmatched",status="404"\} 1$/m,
	'unknown routes are counted as unmatched');
like($metrics, qr/^pstreamd_requests_total\{method="",route="unmatched",status="405"\} 1$/m,
	'wrong methods are counted with their status');
like($metrics, qr/^# TYPE pstreamd_request_duration_seconds histogram$/m, 'latency histogram is typed');
like($metrics, qr/^pstreamd_request_duration_seconds_bucket\{le="\+Inf"\} \d+$/m,
	'histogram has the +Inf bucket');
like($metrics, qr/^pstreamd_request_duration_seconds_count \d+$/m, 'histogram has a count');
like($metrics, qr/^pstreamd_pool_connections_in_use 0$/m, 'pool use is 0 between requests');
like($metrics, qr/^pstreamd_pool_connections 8$/m, 'pool size is shown');
like($metrics, qr/^pstreamd_database_up 1$/m, 'database is up');

$response = api($server, 'POST', '/metrics');
is($response->{status}, 405, 'POST /metrics returns 405');
is($response->{headers}{allow}, 'GET', 'POST /metrics Allow is GET');

# --- OpenAPI document ---
$response = api($server, 'GET', '/api/v2/openapi.json');
is($response->{status}, 200, 'openapi.json returns 200');
{
	my $paths = $response->{json}{paths};
	is($response->{json}{openapi}, '3.0.3', 'document is OpenAPI 3.0.3');
	foreach my $route (
		[ get => '/healthz' ],
		[ get => '/metrics' ],
		[ get => '/api/v2/pstreams' ],
		[ post => '/api/v2/pstreams' ],
		[ put => '/api/v2/pstreams/pstream/{name}' ],
		[ delete => '/api/v2/pstreams/pstream/{name}' ],
		[ post => '/api/v2/pstreams/pstream/{name}/data' ],
		[ get => '/api/v2/pstreams/pstream/{name}/data' ],
		[ put => '/api/v2/pstreams/pstream/{name}/data' ],
		[ delete => '/api/v2/pstreams/pstream/{name}/data' ],
		[ get => '/api/v2/pstreams/pstream/{name}/metadata' ],
		[ get => '/api/v2/pstreams/pstream/{name}/stats' ])
	{
		my ($method, $path) = @$route;
		ok($paths->{$path}{$method}, "openapi describes $method $path");
	}
	my @read = map { $_->{name} }
	  @{ $paths->{'/api/v2/pstreams/pstream/{name}/data'}{get}{parameters} };
	foreach my $parameter (qw(name cfxql_query search sort offset limit
		case_sensitive group_by aggs agg_function agg_column))
	{
		ok((grep { $_ eq $parameter } @read), "openapi read lists $parameter");
	}
	is($paths->{'/api/v2/pstreams/pstream/{name}/data'}{get}{parameters}[3]{schema}{type},
		'array', 'openapi marks sort as repeatable');
}

is(stop_pstreamd($server, 'TERM') >> 8, 0, 'json server exits 0');
like(PostgreSQL::Test::Utils::slurp_file($log_file), qr/pstreamd stopped/,
	'the stop is logged in the log file');

done_testing();
