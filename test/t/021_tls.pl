
# 021_tls.pl
#     End-to-end test of pstreamd over HTTPS with --auth=on: a self-signed
#     certificate made with openssl, login, create, add, read and logout
#     through curl, the Secure flag of the session cookie, and a plain HTTP
#     request to the HTTPS port that gets no response.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use POSIX ();
use Time::HiRes qw(sleep);
use FindBin;
use lib "$FindBin::Bin/../perl";
use PstreamTest;

foreach my $tool ('openssl', 'curl')
{
	plan skip_all => "$tool is not installed"
	  unless IPC::Run::run([ 'sh', '-c', "command -v $tool" ], '>', \my $out);
}

my $dir = $PostgreSQL::Test::Utils::tmp_check;
my $cert = "$dir/server.crt";
my $key = "$dir/server.key";
my $password = 'tls-Pw-38rcXa';
my $authenticator_password = 'tls-auth-Pw-90jd';

# Send a request with curl -k, because the certificate is self-signed.
# Returns the status, the headers as text and the decoded JSON body.
sub curl_api
{
	my ($url, $method, $token, $body) = @_;
	my @command = ('curl', '-sk', '-X', $method, '-D', "$dir/headers",
		'-o', "$dir/body", '-w', '%{http_code}');
	push @command, '-H', "Authorization: Bearer $token" if defined $token;
	push @command, '-H', 'Content-Type: application/json', '--data-binary', $body
	  if defined $body;
	my ($status, $stderr) = ('', '');
	IPC::Run::run([ @command, $url ], '>', \$status, '2>', \$stderr);
	my $text = -f "$dir/body" ? slurp_file("$dir/body") : '';
	my %response = (
		status => $status,
		headers => -f "$dir/headers" ? slurp_file("$dir/headers") : '',
		json => eval { json_codec()->decode($text) },
	);
	unlink "$dir/body", "$dir/headers";
	return \%response;
}

command_ok(
	[ 'openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
		'-subj', '/CN=localhost', '-days', '1', '-keyout', $key, '-out', $cert ],
	'openssl makes a self-signed pair');

my $node = PostgreSQL::Test::Cluster->new('tls');
$node->init;
{
	my $hba = $node->data_dir . '/pg_hba.conf';
	open(my $file, '>', $hba) or die "cannot write $hba: $!";
	print $file "local all authenticator,writer scram-sha-256\n";
	print $file "local all all trust\n";
	close($file);
}
$node->start;
$node->safe_psql('postgres', qq{
	SET log_statement = 'none';
	CREATE EXTENSION pstream;
	CREATE ROLE authenticator LOGIN NOINHERIT PASSWORD '$authenticator_password';
	GRANT pstream_authenticator TO authenticator;
	ALTER ROLE authenticator SET log_parameter_max_length = 0;
	CREATE ROLE writer LOGIN PASSWORD '$password';
	GRANT pstream_admin TO writer;
	GRANT writer TO authenticator;
});

# start_pstreamd checks readiness over plain HTTP, so the test starts the
# server itself and polls /healthz over HTTPS.
my $port = PostgreSQL::Test::Cluster::get_free_port();
my $log = "$PostgreSQL::Test::Utils::log_path/pstreamd_tls.log";
my $conninfo = 'host=' . $node->host . ' port=' . $node->port
  . ' dbname=postgres user=authenticator';
my $pid = fork();
die "fork failed: $!" unless defined $pid;
if ($pid == 0)
{
	open(STDOUT, '>>', $log) or die "cannot open $log: $!";
	open(STDERR, '>>', $log) or die "cannot open $log: $!";
	$ENV{PGPASSWORD} = $authenticator_password;
	exec($ENV{PSTREAMD}, '--listen=127.0.0.1', "--port=$port",
		"--db=$conninfo", '--auth=on', "--tls-cert=$cert", "--tls-key=$key")
	  or POSIX::_exit(127);
}
my $server = { pid => $pid, log => $log };
track_pstreamd($server);
my $base = "https://127.0.0.1:$port";
my $ready;
foreach (1 .. 10 * $PostgreSQL::Test::Utils::timeout_default)
{
	last if ($ready = curl_api("$base/healthz", 'GET')->{status} eq '200');
	sleep(0.1);
}
ok($ready, 'pstreamd answers /healthz over HTTPS');
like(server_log($server), qr/listening on 127\.0\.0\.1 port $port \(HTTPS\)/,
	'start-up log says HTTPS');

my $response = curl_api("$base/api/v2/pstreams", 'GET');
is($response->{status}, '401', 'no session over HTTPS returns 401');

$response = curl_api("$base/api/v2/login", 'POST', undef,
	json_codec()->encode({ user => 'writer', password => $password }));
is($response->{status}, '200', 'login over HTTPS returns 200');
my $token = $response->{json}{token};
like($response->{headers}, qr/^Set-Cookie: pstream_session=[0-9a-f]{64};.*; Secure/mi,
	'session cookie over HTTPS is Secure');

$response = curl_api("$base/api/v2/pstreams", 'POST', $token, '{"name":"secure"}');
is($response->{status}, '201', 'create over HTTPS returns 201');
$response = curl_api("$base/api/v2/pstreams/pstream/secure/data", 'POST', $token,
	'[{"a":1},{"a":2}]');
is($response->{status}, '201', 'add over HTTPS returns 201');
$response = curl_api("$base/api/v2/pstreams/pstream/secure/data", 'GET', $token);
is($response->{status}, '200', 'read over HTTPS returns 200');
is($response->{json}{total_count}, 2, 'read over HTTPS returns the records');
$response = curl_api("$base/api/v2/logout", 'POST', $token);
is($response->{status}, '200', 'logout over HTTPS returns 200');
$response = curl_api("$base/api/v2/pstreams", 'GET', $token);
is($response->{status}, '401', 'token after logout over HTTPS returns 401');

$response = curl_api("http://127.0.0.1:$port/healthz", 'GET');
isnt($response->{status}, '200', 'plain HTTP on the HTTPS port gets no 200');

command_fails_like(
	[ $ENV{PSTREAMD}, "--tls-cert=$cert" ],
	qr/--tls-cert and --tls-key must be given together/,
	'--tls-cert without --tls-key is rejected');

is(stop_pstreamd($server), 0, 'pstreamd over HTTPS stops cleanly');
my $text = slurp_file($log);
unlike($text, qr/\Q$token\E/, 'the token is not in the log');
unlike($text, qr/\Q$password\E/, 'the password is not in the log');

done_testing();
