
# 035_big_body.pl
#     End-to-end tests of the records body check that pstreamd runs without
#     a parse tree: the status and detail of malformed and misshaped bodies,
#     numbers beyond the double range, and large valid bodies sent with
#     Content-Length and chunked, which must be stored completely.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../perl";
use PstreamTest;

my $node = start_node('big_body');
my $server = start_pstreamd($node, 'big_body', '--max-body=33554432');
my $response;

$response = api($server, 'POST', '/api/v2/pstreams', '{"name":"checked"}');
is($response->{status}, 201, 'create checked returns 201');
my $data_path = '/api/v2/pstreams/pstream/checked/data';

# --- rejected bodies: status and detail, and nothing stored ---
# Each case: body, status, detail pattern, name.
my @rejected = (
	[ '', 400, qr/^malformed JSON body at line 1, column 1: unexpected end of input/, 'empty body' ],
	[ "  \n ", 400, qr/^malformed JSON body at line 2, column 2: unexpected end of input/, 'blank body' ],
	[ '[{"a":1},{"b":]', 400, qr/^malformed JSON body at line 1, column 15: unexpected character '\]'/, 'missing value' ],
	[ "[\n{\"a\":1},\n{\"b\" 2}\n]", 400, qr/^malformed JSON body at line 3, column 6: unexpected character '2', ':' expected/, 'missing colon on line 3' ],
	[ '[{"a":1}] trailing', 400, qr/at line 1, column 11: unexpected character 't', the end of input expected/, 'text after the array' ],
	[ '[{"a":1}', 400, qr/at line 1, column 9: unexpected end of input, ',' or '\]' expected/, 'unclosed array' ],
	[ '[{"a":1,}]', 400, qr/unexpected character '\}', a string key expected/, 'comma before brace' ],
	[ '[1,]', 400, qr/unexpected character '\]', a JSON value expected/, 'comma before bracket' ],
	[ '[{"a":01}]', 400, qr/column 8: unexpected character '1'/, 'leading zero' ],
	[ '[{"a":1.}]', 400, qr/a digit expected/, 'fraction without digits' ],
	[ '[{"a":1e}]', 400, qr/a digit expected/, 'exponent without digits' ],
	[ '[{"a":+1}]', 400, qr/unexpected character '\+'/, 'plus sign' ],
	[ '[{"a":tru}]', 400, qr/invalid literal: true, false or null expected/, 'truncated literal' ],
	[ '[{"a":NaN}]', 400, qr/unexpected character 'N'/, 'NaN' ],
	[ '[{"s":"\x"}]', 400, qr/column 9: unexpected character 'x', an escape/, 'invalid escape' ],
	[ '[{"s":"\u12g4"}]', 400, qr/invalid \\u escape: four hex digits expected/, 'invalid \u escape' ],
	[ '[{"s":"\ud800"}]', 400, qr/\\uD800: a high surrogate without a low one/, 'lone high surrogate' ],
	[ '[{"s":"\udc00"}]', 400, qr/\\uDC00: a low surrogate without a high one/, 'lone low surrogate' ],
	[ "[{\"s\":\"a\tb\"}]", 400, qr/control character 0x09 in a string/, 'raw tab in a string' ],
	[ "[{\"s\":\"a\x00b\"}]", 400, qr/control character 0x00 in a string/, 'raw NUL byte in a string' ],
	[ qq([{"s":"\xc3\x28"}]), 400, qr/column 8: invalid UTF-8 byte 0xC3 in a string/, 'invalid UTF-8 in a string' ],
	[ qq([{"\xff":1}]), 400, qr/invalid UTF-8 byte 0xFF in a string/, 'invalid UTF-8 in a key' ],
	[ qq([{"s":"\xed\xa0\x80"}]), 400, qr/invalid UTF-8 byte 0xED/, 'UTF-8 encoded surrogate' ],
	[ qq([{"s":"\xc0\xaf"}]), 400, qr/invalid UTF-8 byte 0xC0/, 'overlong UTF-8' ],
	[ qq([{"s":"\xf4\x90\x80\x80"}]), 400, qr/invalid UTF-8 byte 0xF4/, 'UTF-8 above U+10FFFF' ],
	[ qq([{"s":"\xe2\x82"}]), 400, qr/invalid UTF-8 byte 0xE2/, 'truncated UTF-8' ],
	[ '[' x 2049 . ']' x 2049, 400, qr/nesting deeper than the maximum of 2048/, 'array nested 2049 deep' ],
	[ '[{"a":1},"x",{"b":]', 400, qr/^malformed JSON/, 'syntax error after a bad record' ],
	[ '{"a":1}', 422, qr/^invalid request body: expected a JSON array of records, got an object$/, 'object body' ],
	[ '5', 422, qr/got a number$/, 'number body' ],
	[ 'null', 422, qr/got null$/, 'null body' ],
	[ '[{"a":1},{"b":2},"three",{"d":4}]', 422, qr/^record 2 is not a JSON object: it is a string$/, 'string element' ],
	[ '[{"a":1},[3]]', 422, qr/^record 1 is not a JSON object: it is an array$/, 'array element' ],
	[ '[{"a":1},true]', 422, qr/^record 1 is not a JSON object: it is a boolean$/, 'boolean element' ],
	[ '[{"a":1},{"b":{"c":["x\u0000y"]}}]', 422, qr/^record 1 cannot be stored: a string contains the character U\+0000/, 'U+0000 in a string' ],
	[ '[{"a":1},{"b":2},{"c\u0000":1}]', 422, qr/^record 2 cannot be stored: an object key contains the character U\+0000/, 'U+0000 in a key' ],
	[ '[{"a":1},"x",{"b":"\u0000"}]', 422, qr/^record 1 is not a JSON object/, 'first bad record wins' ],
	[ '{"a":"\u0000"}', 422, qr/expected a JSON array/, 'object with U+0000' ]);

foreach my $case (@rejected)
{
	my ($body, $status, $pattern, $name) = @$case;

	$response = api($server, 'POST', $data_path, $body);
	is($response->{status}, $status, "$name returns $status");
	like($response->{json}{detail}, $pattern, "$name: detail");
}
is(record_count($node, 'checked'), '0', 'rejected bodies store nothing');

# --- accepted bodies that jansson used to reject or that are unusual ---
$response = api($server, 'POST', $data_path,
	'[{"n":1e400,"m":-2.5E-400,"i":123456789012345678901234567890}]');
is($response->{status}, 201, 'numbers beyond the double range return 201');
is( $node->safe_psql(
		'postgres',
		"SELECT r->>'n', r->>'i' FROM pstream_select('checked') r"),
	'1' . ('0' x 400) . '|123456789012345678901234567890',
	'numbers beyond the double range are stored exactly');

$response = api($server, 'POST', $data_path, '[{"n":1e200000}]');
is($response->{status}, 422, 'number beyond numeric range returns 422');
is(record_count($node, 'checked'), '1', 'number beyond numeric range stores nothing');

$response = api($server, 'POST', $data_path,
	qq( \r\n\t[ {"s":"\\ud83d\\ude00 \xc3\xa9 \xf0\x9f\x98\x80 \\"\\\\\\/\\b\\f\\n\\r\\t"} , {} ]\n));
is($response->{status}, 201, 'escapes, UTF-8 and whitespace return 201');
is(record_count($node, 'checked'), '3', 'escapes, UTF-8 and whitespace are stored');

$response = api($server, 'POST', $data_path, '[' x 2000 . ']' x 2000);
is($response->{status}, 422, 'array nested 2000 deep returns 422 (record 0 is an array)');

# --- large valid bodies are stored completely ---
# About 20 MiB of records, each about 400 bytes.
my $record_count = 55_000;
my $big_body = '['
  . join(',',
	map { sprintf('{"i":%d,"s":"%s","o":{"a":[1,2.5,true,null,"\u00e9"]}}', $_, 'x' x 340) }
	  1 .. $record_count)
  . ']';
ok(length($big_body) > 20 * 1024 * 1024, 'big body is over 20 MiB');

$response = api($server, 'POST', '/api/v2/pstreams', '{"name":"big"}');
is($response->{status}, 201, 'create big returns 201');
$response = api($server, 'POST', '/api/v2/pstreams/pstream/big/data', $big_body);
is($response->{status}, 201, 'big body returns 201');
is(record_count($node, 'big'), "$record_count", 'big body stores every record');
is( $node->safe_psql(
		'postgres',
		"SELECT sum((r->>'i')::bigint), sum(length(r->>'s')) FROM pstream_select('big') r"),
	($record_count * ($record_count + 1) / 2) . '|' . (340 * $record_count),
	'big body records are stored intact');

# A code reference makes HTTP::Tiny send the body chunked, without
# Content-Length, so the body buffer grows as the chunks arrive.
{
	my $offset = 0;
	$response = http_client()->request(
		'POST',
		"$server->{base}/api/v2/pstreams/pstream/big/data",
		{
			headers => { 'Content-Type' => 'application/json' },
			content => sub {
				return undef if $offset >= length $big_body;
				my $chunk = substr($big_body, $offset, 1_000_000);
				$offset += length $chunk;
				return $chunk;
			},
		});
	is($response->{status}, 201, 'chunked big body returns 201');
	is(record_count($node, 'big'), 2 * $record_count,
		'chunked big body stores every record');
}

# A bad record at the end of a big body rejects the whole body.
my $bad_tail = substr($big_body, 0, -1) . ',{"z":"\u0000"}]';
$response = api($server, 'POST', '/api/v2/pstreams/pstream/big/data', $bad_tail);
is($response->{status}, 422, 'big body with a bad last record returns 422');
like($response->{json}{detail}, qr/^record $record_count cannot be stored/,
	'bad last record is named by its index');
is(record_count($node, 'big'), 2 * $record_count,
	'big body with a bad last record stores nothing');

is(stop_pstreamd($server), 0, 'pstreamd exits 0');

done_testing();
