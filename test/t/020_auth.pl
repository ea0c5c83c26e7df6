
# 020_auth.pl
#     End-to-end tests of pstreamd with --auth=on: login against PostgreSQL
#     roles with SCRAM passwords, 401 without a valid session, 403 from the
#     privileges of the session's role with nothing changed, grants and
#     revokes on the next request, logout, the login rate limit, and no
#     token or password in any log of the run.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep);
use FindBin;
use lib "$FindBin::Bin/../perl";
use PstreamTest;

my %password = (
	authenticator => 'auth-Pw-93kqTz',
	alice => 'alice-Pw-51xzQe',
	bob => 'bob-Pw-77mnRw',
	carol => 'carol-Pw-28vbYu',
	dave => 'dave-Pw-64tgLp',
);
my @tokens;

# The node gets SCRAM for the test roles on its unix socket, so a wrong
# password fails; the superuser of the test keeps trust.
my $node = PostgreSQL::Test::Cluster->new('auth');
$node->init;
{
	my $hba = $node->data_dir . '/pg_hba.conf';
	open(my $file, '>', $hba) or die "cannot write $hba: $!";
	print $file "local all authenticator,alice,bob,carol,dave scram-sha-256\n";
	print $file "local all all trust\n";
	close($file);
}
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pstream');
# The TAP cluster logs every statement with its parameters. The setup turns
# that off for its own statements that carry a password or a token, and the
# pstreamd role gets log_parameter_max_length = 0, as docs/operations.md
# advises, so that tokens sent as parameters stay out of the server log.
$node->safe_psql('postgres', qq{
	SET log_statement = 'none';
	CREATE ROLE authenticator LOGIN NOINHERIT PASSWORD '$password{authenticator}';
	GRANT pstream_authenticator TO authenticator;
	ALTER ROLE authenticator SET log_parameter_max_length = 0;
	CREATE ROLE alice LOGIN PASSWORD '$password{alice}';
	GRANT pstream_reader TO alice;
	CREATE ROLE bob LOGIN PASSWORD '$password{bob}';
	GRANT pstream_writer TO bob;
	CREATE ROLE carol LOGIN PASSWORD '$password{carol}';
	GRANT pstream_admin TO carol;
	CREATE ROLE dave LOGIN PASSWORD '$password{dave}';
	GRANT alice, bob, carol, dave TO authenticator;
});

sub start_auth_server
{
	my ($label, @options) = @_;
	return start_pstreamd($node, $label,
		{ user => 'authenticator', env => { PGPASSWORD => $password{authenticator} } },
		'--auth=on', @options);
}

sub login
{
	my ($server, $user, $password) = @_;
	my $response = api($server, 'POST', '/api/v2/login',
		json_codec()->encode({ user => $user, password => $password }));
	push @tokens, $response->{json}{token}
	  if $response->{json} && defined $response->{json}{token};
	return $response;
}

# Send a request with "Authorization: Bearer $token" (none when undef).
sub call
{
	my ($server, $token, $method, $path, $body) = @_;
	my %options = (headers => {});
	$options{headers}{Authorization} = "Bearer $token" if defined $token;
	if (defined $body)
	{
		$options{content} = $body;
		$options{headers}{'Content-Type'} = 'application/json';
	}
	my $response =
	  http_client()->request($method, "$server->{base}$path", \%options);
	$response->{json} = eval { json_codec()->decode($response->{content}) };
	return $response;
}

my $server = start_auth_server('auth', '--login-rate-limit=100');

# --- login ---
my $response = login($server, 'alice', $password{alice});
is($response->{status}, 200, 'login with the right password returns 200');
my $alice = $response->{json}{token};
like($alice, qr/^[0-9a-f]{64}$/, 'token has 256 bits as hex');
like($response->{json}{expires_at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
	'expires_at is ISO-8601 UTC');
my $cookie = $response->{headers}{'set-cookie'} // '';
like($cookie, qr/^pstream_session=\Q$alice\E;/, 'cookie carries the token');
like($cookie, qr/; HttpOnly/, 'cookie is HttpOnly');
like($cookie, qr/; SameSite=Strict/, 'cookie is SameSite=Strict');
like($cookie, qr/; Max-Age=3600/, 'cookie lives for the session ttl');
unlike($cookie, qr/Secure/, 'cookie over plain HTTP is not Secure');

$response = login($server, 'alice', 'wrong-Pw-12');
is($response->{status}, 401, 'login with a wrong password returns 401');
is($response->{json}{detail}, 'invalid user or password', 'wrong password detail');
$response = login($server, 'nobody', 'wrong-Pw-12');
is($response->{status}, 401, 'login of an unknown user returns 401');
is($response->{json}{detail}, 'invalid user or password',
	'unknown user gets the same detail as a wrong password');
$response = login($server, 'alice', '');
is($response->{status}, 401, 'login with an empty password returns 401');
$response = api($server, 'POST', '/api/v2/login', '{"user":"alice"}');
is($response->{status}, 422, 'login without a password returns 422');

# --- no session: 401 on every route but /healthz ---
is(api($server, 'GET', '/healthz')->{status}, 200, 'healthz needs no session');
my @routes = (
	[ 'GET', '/metrics' ],
	[ 'GET', '/api/v2/openapi.json' ],
	[ 'POST', '/api/v2/logout' ],
	[ 'GET', '/api/v2/pstreams' ],
	[ 'POST', '/api/v2/pstreams', '{"name":"x"}' ],
	[ 'PUT', '/api/v2/pstreams/pstream/one', '{"attributes":{}}' ],
	[ 'DELETE', '/api/v2/pstreams/pstream/one' ],
	[ 'POST', '/api/v2/pstreams/pstream/one/data', '[{"a":1}]' ],
	[ 'GET', '/api/v2/pstreams/pstream/one/data' ],
	[ 'PUT', '/api/v2/pstreams/pstream/one/data?cfxql_query=a%3D1', '{"b":2}' ],
	[ 'DELETE', '/api/v2/pstreams/pstream/one/data?cfxql_query=a%3D1' ],
	[ 'GET', '/api/v2/pstreams/pstream/one/metadata' ],
	[ 'GET', '/api/v2/pstreams/pstream/one/stats' ],);
foreach my $route (@routes)
{
	my ($method, $path, $body) = @$route;
	$response = call($server, undef, $method, $path, $body);
	is($response->{status}, 401, "$method $path without a session returns 401");
	is($response->{headers}{'www-authenticate'}, 'Bearer',
		"$method $path without a session sends WWW-Authenticate");
	like($response->{json}{detail}, qr/authentication required/,
		"$method $path without a session has a JSON detail");
}

# --- forged, malformed and expired tokens ---
$response = call($server, 'ab' x 32, 'GET', '/api/v2/pstreams');
is($response->{status}, 401, 'forged token returns 401');
is($response->{headers}{'www-authenticate'}, 'Bearer', 'forged token sends WWW-Authenticate');
$response = call($server, "$alice'--", 'GET', '/api/v2/pstreams');
is($response->{status}, 401, 'malformed token returns 401');
$response = login($server, 'bob', $password{bob});
my $expired = $response->{json}{token};
$node->safe_psql('postgres',
	"UPDATE pstream.sessions SET expires_at = now() - interval '1 second' WHERE role = 'bob'");
$response = call($server, $expired, 'GET', '/api/v2/pstreams');
is($response->{status}, 401, 'expired token returns 401');

# --- cookie instead of Bearer ---
$response = http_client()->request('GET', "$server->{base}/api/v2/pstreams",
	{ headers => { Cookie => "pstream_session=$alice" } });
is($response->{status}, 200, 'session cookie authenticates');

# --- an admin creates, a reader gets 403 and changes nothing ---
my $carol = login($server, 'carol', $password{carol})->{json}{token};
foreach my $name ('one', 'two')
{
	$response = call($server, $carol, 'POST', '/api/v2/pstreams', qq({"name":"$name"}));
	is($response->{status}, 201, "admin creates pstream $name");
}
$response = call($server, $carol, 'POST', '/api/v2/pstreams/pstream/one/data',
	'[{"a":1},{"a":2}]');
is($response->{status}, 201, 'admin adds records');

$response = call($server, $alice, 'GET', '/api/v2/pstreams/pstream/one/data');
is($response->{status}, 200, 'reader reads records');
is($response->{json}{total_count}, 2, 'reader sees the records');

$response = call($server, $alice, 'POST', '/api/v2/pstreams/pstream/one/data', '[{"a":3}]');
is($response->{status}, 403, 'reader add returns 403');
like($response->{json}{detail}, qr/permission denied to add records to pstream "one"/,
	'reader add detail names the pstream');
like($response->{json}{detail}, qr/Role "alice" lacks INSERT/,
	'reader add detail names the missing privilege');
$response = call($server, $alice, 'PUT',
	'/api/v2/pstreams/pstream/one/data?cfxql_query=a%3D1', '{"a":9}');
is($response->{status}, 403, 'reader update returns 403');
like($response->{json}{detail}, qr/lacks UPDATE/, 'reader update detail names UPDATE');
$response = call($server, $alice, 'DELETE',
	'/api/v2/pstreams/pstream/one/data?cfxql_query=a%3D1');
is($response->{status}, 403, 'reader delete returns 403');
like($response->{json}{detail}, qr/lacks DELETE/, 'reader delete detail names DELETE');
$response = call($server, $alice, 'DELETE', '/api/v2/pstreams/pstream/one?delete_data=true');
is($response->{status}, 403, 'reader drop returns 403');
like($response->{json}{detail}, qr/pstream "one"/, 'reader drop detail names the pstream');
is(record_count($node, 'one'), '2', 'reader changed no record');
$response = call($server, $carol, 'GET', '/api/v2/pstreams/pstream/one/data?cfxql_query=a%3D1');
is($response->{json}{total_count}, 1, 'reader update changed nothing');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pstream.pstreams WHERE name = 'one'}),
	'1', 'reader drop left the pstream');

# --- a writer limited to one pstream ---
$node->safe_psql('postgres', q{SELECT pstream_grant('one', 'dave', 'write')});
my $dave = login($server, 'dave', $password{dave})->{json}{token};
$response = call($server, $dave, 'POST', '/api/v2/pstreams/pstream/one/data', '[{"a":4}]');
is($response->{status}, 201, 'writer adds to its granted pstream');
$response = call($server, $dave, 'POST', '/api/v2/pstreams/pstream/two/data', '[{"a":5}]');
is($response->{status}, 403, 'writer add to another pstream returns 403');
like($response->{json}{detail}, qr/pstream "two"/, 'writer 403 names the other pstream');
$response = call($server, $dave, 'GET', '/api/v2/pstreams/pstream/two/data');
is($response->{status}, 403, 'writer read of another pstream returns 403');
is(record_count($node, 'two'), '0', 'other pstream is unchanged');
$response = call($server, $dave, 'GET', '/api/v2/pstreams');
is_deeply([ map { $_->{name} } @{ $response->{json}{pstreams} // [] } ], ['one'],
	'list shows only the granted pstream')
  or diag explain $response->{json};

# --- grant and revoke take effect on the next request ---
$node->safe_psql('postgres', q{SELECT pstream_grant('two', 'dave', 'read')});
$response = call($server, $dave, 'GET', '/api/v2/pstreams/pstream/two/data');
is($response->{status}, 200, 'grant takes effect on the next request');
$node->safe_psql('postgres', q{SELECT pstream_revoke('two', 'dave', 'read')});
$response = call($server, $dave, 'GET', '/api/v2/pstreams/pstream/two/data');
is($response->{status}, 403, 'revoke takes effect on the next request');
$node->safe_psql('postgres', q{SELECT pstream_revoke('one', 'dave', 'write')});
$response = call($server, $dave, 'POST', '/api/v2/pstreams/pstream/one/data', '[{"a":6}]');
is($response->{status}, 403, 'revoke of write takes effect on the next request');
$response = call($server, $dave, 'GET', '/api/v2/pstreams/pstream/one/data');
is($response->{status}, 200, 'revoke of write leaves read');

# --- logout ---
$response = call($server, $alice, 'POST', '/api/v2/logout');
is($response->{status}, 200, 'logout returns 200');
like($response->{headers}{'set-cookie'} // '', qr/^pstream_session=;.*Max-Age=0/,
	'logout clears the cookie');
$response = call($server, $alice, 'GET', '/api/v2/pstreams');
is($response->{status}, 401, 'token after logout returns 401');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pstream.sessions WHERE role = 'alice'}),
	'0', 'logout removed the session');
is($node->safe_psql('postgres',
		"SET log_statement = 'none'; SELECT count(*) FROM pstream.sessions WHERE token_hash = sha256('$carol'::bytea)"),
	'1', 'sessions table stores the SHA-256 of the token');

# --- login rate limit per user and per client address ---
$node->safe_psql('postgres',
	"UPDATE pstream.sessions SET expires_at = now() - interval '1 second' WHERE role = 'carol'");
# The retention purge runs as pstream_admin when authentication is on, so
# the authenticator needs that membership for retention to work.
$node->safe_psql('postgres', q{
	GRANT pstream_admin TO authenticator;
	SELECT pstream_create('aging', '{"retention_days": 1}');
	SELECT pstream_add('aging', '[{"age": "old", "timestamp": "2001-01-01T00:00:00Z"},
	                              {"age": "new"}]');
});
my $limited = start_auth_server('rate', '--login-rate-limit=2', '--purge-interval=1');
{
	my $ages;
	foreach (1 .. 10 * $PostgreSQL::Test::Utils::timeout_default)
	{
		$ages = $node->safe_psql('postgres',
			q{SELECT string_agg(r ->> 'age', ',') FROM pstream_select('aging') AS r});
		last if $ages eq 'new';
		sleep(0.1);
	}
	is($ages, 'new', 'retention purge with auth on deletes only the old record');
}
{
	my $left;
	foreach (1 .. 10 * $PostgreSQL::Test::Utils::timeout_default)
	{
		$left = $node->safe_psql('postgres',
			q{SELECT count(*) FROM pstream.sessions WHERE role = 'carol'});
		last if $left eq '0';
		sleep(0.1);
	}
	is($left, '0', 'periodic purge deletes expired sessions');
}
foreach my $attempt (1, 2)
{
	$response = login($limited, 'nobody', 'wrong-Pw-12');
	is($response->{status}, 401, "failed login $attempt of 2 returns 401");
}
$response = login($limited, 'nobody', 'wrong-Pw-12');
is($response->{status}, 429, 'login over the rate limit returns 429');
my $retry_after = $response->{headers}{'retry-after'} // '';
ok($retry_after =~ /^\d+$/ && $retry_after > 0 && $retry_after <= 60,
	"429 sends Retry-After within the minute ($retry_after)");
like($response->{json}{detail}, qr/too many failed logins/, '429 has a JSON detail');
$response = login($limited, 'alice', $password{alice});
is($response->{status}, 429, 'rate limit applies to the client address for every user');
like(server_log($limited), qr/login failed for user "nobody" from 127\.0\.0\.1/,
	'failed login is logged with user and address');

# --- no token or password in the logs of the run ---
stop_pstreamd($_) foreach running_pstreamd();
$node->stop;
{
	my @secrets = (values %password, 'wrong-Pw-12', @tokens);
	opendir(my $dir, $PostgreSQL::Test::Utils::log_path) or die $!;
	my @files = grep { !/^regress_log/ && -f "$PostgreSQL::Test::Utils::log_path/$_" } readdir($dir);
	closedir($dir);
	ok(@tokens >= 4, 'the run created sessions');
	foreach my $file (sort @files)
	{
		my $text = slurp_file("$PostgreSQL::Test::Utils::log_path/$file");
		my @found = grep { index($text, $_) >= 0 } @secrets;
		is(scalar(@found), 0, "no token or password in $file");
	}
}

done_testing();
