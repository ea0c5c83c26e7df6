
# 002_requests.pl
#     End-to-end tests of request checking in pstreamd: malformed and
#     misshaped bodies, content type, body size limit, unknown routes, wrong
#     methods and long request lines. Every rejected add must store nothing.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../perl";
use PstreamTest;

my $node = start_node('requests');
my $server = start_pstreamd($node, 'requests');
my $small_server = start_pstreamd($node, 'requests_small', '--max-body=1024');
my $response;

$response = api($server, 'POST', '/api/v2/pstreams', '{"name":"bodies"}');
is($response->{status}, 201, 'create returns 201');

my $data_path = '/api/v2/pstreams/pstream/bodies/data';

# --- malformed JSON: 400 with line and column ---
$response = api($server, 'POST', $data_path, '[{"a":1},{"b":]');
is($response->{status}, 400, 'malformed JSON returns 400');
like($response->{json}{detail}, qr/line 1, column \d+/,
	'400 detail gives line and column');
is(record_count($node, 'bodies'), '0', 'malformed JSON stores nothing');

$response = api($server, 'POST', $data_path, "[\n{\"a\":1},\n{\"b\" 2}\n]");
is($response->{status}, 400, 'malformed JSON on line 3 returns 400');
like($response->{json}{detail}, qr/line 3, column \d+/,
	'400 detail gives line 3');

$response = api($server, 'POST', $data_path, '[{"a":1}] trailing');
is($response->{status}, 400, 'text after the array returns 400');

$response = api($server, 'POST', $data_path, '');
is($response->{status}, 400, 'empty body returns 400');
is(record_count($node, 'bodies'), '0', 'empty body stores nothing');

# --- valid JSON of the wrong shape: 422 ---
$response = api($server, 'POST', $data_path, '{"a":1}');
is($response->{status}, 422, 'object body returns 422');
like($response->{json}{detail}, qr/array/, '422 detail asks for an array');
is(record_count($node, 'bodies'), '0', 'object body stores nothing');

$response = api($server, 'POST', $data_path, '5');
is($response->{status}, 422, 'number body returns 422');

$response = api($server, 'POST', $data_path,
	'[{"a":1},{"b":2},"three",{"d":4}]');
is($response->{status}, 422, 'string element returns 422');
like($response->{json}{detail}, qr/record 2\b/, '422 detail names index 2');
is(record_count($node, 'bodies'), '0', 'bad element stores nothing');

$response = api($server, 'POST', $data_path, '[{"a":1},{"b":2},[3]]');
is($response->{status}, 422, 'array element returns 422');
like($response->{json}{detail}, qr/record 2\b/, 'array element at index 2 named');

$response = api($server, 'POST', $data_path,
	'[{"a":1},{"b":{"c":["x\u0000y"]}}]');
is($response->{status}, 422, 'string with U+0000 returns 422');
like($response->{json}{detail}, qr/record 1\b/, 'U+0000 detail names index 1');
like($response->{json}{detail}, qr/U\+0000/, 'U+0000 detail names the character');
is(record_count($node, 'bodies'), '0', 'U+0000 stores nothing');

$response = api($server, 'POST', $data_path, '[{"a\u0000":1}]');
is($response->{status}, 422, 'key with U+0000 returns 422');
is(record_count($node, 'bodies'), '0', 'key with U+0000 stores nothing');

# --- content type: 415 ---
$response = api($server, 'POST', $data_path, '[{"a":1}]', '');
is($response->{status}, 415, 'missing content type returns 415');
like($response->{json}{detail}, qr/application\/json/,
	'415 detail names application/json');
$response = api($server, 'POST', $data_path, '[{"a":1}]', 'text/plain');
is($response->{status}, 415, 'text/plain returns 415');
$response = api($server, 'POST', $data_path, '[{"a":1}]', 'application/jsonx');
is($response->{status}, 415, 'application/jsonx returns 415');
is(record_count($node, 'bodies'), '0', '415 stores nothing');

# --- body size limit: 413 ---
my $big_body = '[' . join(',', ('{"padding":"' . ('x' x 100) . '"}') x 20) . ']';
cmp_ok(length($big_body), '>', 1024, 'test body is over 1024 bytes');

$response = api($small_server, 'POST', $data_path, $big_body);
is($response->{status}, 413, 'body over --max-body returns 413');
like($response->{json}{detail}, qr/1024/, '413 detail names the maximum');
is(record_count($node, 'bodies'), '0', '413 stores nothing');

# A code reference makes HTTP::Tiny send a chunked body without
# Content-Length, so the limit must apply to the bytes received.
{
	my @chunks = ($big_body =~ /(.{1,200})/gs);
	$response = http_client()->request(
		'POST',
		"$small_server->{base}$data_path",
		{
			headers => { 'Content-Type' => 'application/json' },
			content => sub { return shift @chunks },
		});
	is($response->{status}, 413, 'chunked body over --max-body returns 413');
	is(record_count($node, 'bodies'), '0', 'chunked 413 stores nothing');
}

$response = api($small_server, 'POST', $data_path, '[{"small":true}]');
is($response->{status}, 201, 'body under --max-body is accepted');
is(record_count($node, 'bodies'), '1', 'body under --max-body is stored');

$response = api($server, 'POST', $data_path, $big_body);
is($response->{status}, 201, 'same body under the default maximum is accepted');
is(record_count($node, 'bodies'), '21', 'every record of the body is stored');

# --- unknown routes: 404 ---
foreach my $path ('/', '/nothing', '/api/v2/nothing', '/api/v2/pstreams/',
	'/api/v2/pstreams/pstream', '/api/v2/pstreams/pstream/bodies/unknown',
	'/api/v2/pstreams/pstream/bodies/data/extra', '/a/b/c/d/e/f/g/h/i/j')
{
	$response = api($server, 'GET', $path);
	is($response->{status}, 404, "GET $path returns 404");
	like($response->{json}{detail}, qr/no route/, "GET $path detail says no route");
}

# --- wrong methods: 405 with Allow ---
foreach my $case (
	[ 'PATCH', '/api/v2/pstreams', 'GET, POST' ],
	[ 'DELETE', '/api/v2/pstreams', 'GET, POST' ],
	[ 'POST', '/healthz', 'GET' ],
	[ 'GET', '/api/v2/pstreams/pstream/bodies', 'PUT, DELETE' ],
	[ 'PATCH', $data_path, 'POST, GET, PUT, DELETE' ],
	[ 'PUT', '/api/v2/pstreams/pstream/bodies/stats', 'GET' ],
	[ 'POST', '/api/v2/pstreams/pstream/bodies/metadata', 'GET' ])
{
	my ($method, $path, $allow) = @$case;
	$response = api($server, $method, $path);
	is($response->{status}, 405, "$method $path returns 405");
	is($response->{headers}{allow}, $allow, "$method $path Allow is $allow");
	like($response->{json}{detail}, qr/$method/, "$method $path detail names the method");
}

# --- request lines of 256 KiB ---
{
	my $padding = 'p' x (256 * 1024);
	$response = api($server, 'GET', "/healthz?padding=$padding");
	is($response->{status}, 200, '256 KiB request line is accepted');
	$response = api($server, 'GET',
		"/api/v2/pstreams/pstream/bodies/data?limit=1&padding=$padding");
	is($response->{status}, 200, '256 KiB request line reaches a SQL route');
}

# --- every error body is JSON with a string detail ---
foreach my $case (
	[ 'GET', '/nothing', undef, 404 ],
	[ 'POST', $data_path, '[', 400 ],
	[ 'POST', '/api/v2/pstreams', '{"name":"bodies"}', 409 ])
{
	my ($method, $path, $body, $status) = @$case;
	$response = api($server, $method, $path, $body);
	is($response->{status}, $status, "$method $path returns $status");
	is($response->{headers}{'content-type'}, 'application/json',
		"$status answers application/json");
	is(ref(\$response->{json}{detail}), 'SCALAR', "$status body has a detail string");
	is_deeply([ keys %{ $response->{json} } ], ['detail'],
		"$status body has only a detail");
}

done_testing();
