
# 005_update_delete.pl
#     End-to-end tests of update and delete by query in pstreamd
#     (PUT and DELETE .../data): the counts, conflicts=abort and proceed
#     against a record locked by another session, the 400, 409 and 422
#     errors with nothing changed, and hostile query text that must reach
#     PostgreSQL only as a bound parameter.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use JSON::PP;
use FindBin;
use lib "$FindBin::Bin/../perl";
use PstreamTest;

# Every record of a pstream as sorted JSON text lines: a snapshot to show
# that a rejected request changed nothing.
sub snapshot
{
	my ($node, $name) = @_;
	return $node->safe_psql('postgres',
		"SELECT count(*) || E'\\n' || coalesce(string_agg(r::text, E'\\n' ORDER BY r::text), '') FROM pstream_select('$name') r"
	);
}

# The counts of an update or delete answer.
sub counts
{
	my ($response) = @_;
	return $response->{json}{serviceResult}{dataResults}{data};
}

my $node = start_node('update_delete');

# A statement that waits for a lock instead of failing at once ends after
# 20 s, so the time checks below tell NOWAIT from waiting.
$node->safe_psql('postgres', q(ALTER DATABASE postgres SET lock_timeout = '20s'));
my $server = start_pstreamd($node, 'update_delete');
my $response;

my $data_path = '/api/v2/pstreams/pstream/people/data';

foreach my $body ('{"name":"people"}', '{"name":"canary"}',
	'{"name":"keyed","attributes":{"unique_keys":["code"]}}',
	'{"name":"locked"}')
{
	$response = api($server, 'POST', '/api/v2/pstreams', $body);
	is($response->{status}, 201, "create $body returns 201");
}
$response = api(
	$server, 'POST', $data_path, q([
	{"name":"Jack Ryan","city":"Washington, DC","age":40,"role":"analyst"},
	{"name":"Kathy Ryan","city":"Washington, DC","age":38,"role":"Surgeon"},
	{"name":"James Greer","city":"Langley","age":60,"role":"Deputy Director"},
	{"name":"Sean O'Brien","city":"Boston","age":52,"role":"agent"}
]));
is($response->{status}, 201, 'add of four people returns 201');
$response = api($server, 'POST', '/api/v2/pstreams/pstream/canary/data',
	'[{"name":"tweety","song":"tweet"},{"name":"x","song":"chirp"}]');
is($response->{status}, 201, 'add of two canary records returns 201');
$response = api($server, 'POST', '/api/v2/pstreams/pstream/keyed/data',
	'[{"code":"a","v":1},{"code":"b","v":2}]');
is($response->{status}, 201, 'add of two keyed records returns 201');

# --- update ---
$response = api($server, 'PUT',
	with_query($data_path, cfxql_query => q(city = 'Washington, DC')),
	'{"status":"active","level":3}');
is($response->{status}, 200, 'update returns 200');
is($response->{json}{serviceResult}{status}, 'SUBMIT_OK', 'update envelope has SUBMIT_OK');
is($response->{json}{serviceResult}{statusMessage},
	'pstream people: 2 records updated', 'update status message counts the records');
{
	my $counts = counts($response);
	is($counts->{total}, 2, 'update total counts the matches');
	is($counts->{updated}, 2, 'update counts the updated records');
	is($counts->{noops}, 0, 'update counts no noop');
	is($counts->{version_conflicts}, 0, 'update counts no conflict');
	is($counts->{batches}, 1, 'update runs in one batch');
	is_deeply($counts->{failures}, [], 'update has no failures');
	ok(JSON::PP::is_bool($counts->{timed_out}) && !$counts->{timed_out},
		'update did not time out');
	like($counts->{took}, qr/^\d+(\.\d+)?$/, 'update took is a number of milliseconds');
}
is( $node->safe_psql(
		'postgres',
		q(SELECT string_agg(r->>'name', ',' ORDER BY r->>'name') FROM pstream_select('people') r WHERE r @> '{"status":"active","level":3}')
	),
	'Jack Ryan,Kathy Ryan',
	'update sets the fields on the matching records only');
is( $node->safe_psql(
		'postgres',
		q(SELECT count(*) FROM pstream_select('people') r WHERE r->>'role' = 'analyst' AND r->>'city' = 'Washington, DC')
	),
	'1',
	'update keeps the other fields');

$response = api($server, 'GET', '/api/v2/pstreams/pstream/people/metadata');
{
	my %columns = map { $_->{columnId} => $_ } @{ $response->{json}{Metadata} };
	is($columns{level}{mappedType}, 'NUMBER', 'update records the type of a new field');
	is($columns{status}{mappedType}, 'TEXT', 'update records a new text field');
}

# Setting the time field moves the record time, as an add does.
$response = api($server, 'PUT',
	with_query($data_path, cfxql_query => q(name = 'James Greer')),
	'{"timestamp":"2000-01-02T03:04:05Z"}');
is(counts($response)->{updated}, 1, 'update of the time field returns 1');
$response = api($server, 'GET', '/api/v2/pstreams/pstream/people/stats');
is($response->{json}{Stats}[0]{oldest_timestamp}, '2000-01-02T03:04:05.000000Z',
	'update of the time field changes the record time');

$response = api($server, 'PUT',
	with_query($data_path, cfxql_query => q(city = 'Washington, DC')),
	'{"status":"active"}');
is($response->{status}, 200, 'repeated update returns 200');
is(counts($response)->{total}, 2, 'repeated update matches two records');
is(counts($response)->{updated}, 0, 'repeated update changes nothing');
is(counts($response)->{noops}, 2, 'repeated update counts two noops');
is($response->{json}{serviceResult}{statusMessage},
	'pstream people: 0 records updated', 'status message of a noop update');

$response = api($server, 'PUT', with_query($data_path, cfxql_query => '*'),
	'{"big":123456789012345678901234567890.125}');
is($response->{status}, 200, 'update of every record returns 200');
is(counts($response)->{updated}, 4, 'update with * updates every record');
is( $node->safe_psql(
		'postgres',
		q(SELECT DISTINCT r->>'big' FROM pstream_select('people') r)),
	'123456789012345678901234567890.125',
	'update stores a number exactly as sent');

$response = api($server, 'PUT',
	with_query($data_path, cfxql_query => q(role = 'SURGEON'),
		case_sensitive => 'False'),
	'{"vip":true}');
is($response->{status}, 200, 'case-insensitive update returns 200');
is($response->{json}{serviceResult}{statusMessage},
	'pstream people: 1 record updated', 'status message of one record');
$response = api($server, 'PUT',
	with_query($data_path, cfxql_query => q(role = 'SURGEON'),
		case_sensitive => 'true'),
	'{"vip":true}');
is(counts($response)->{total}, 0, 'case-sensitive update matches nothing');

$response = api($server, 'PUT',
	with_query($data_path, cfxql_query => q(name = 'nobody')), '{"x":1}');
is($response->{status}, 200, 'update matching nothing returns 200');
is(counts($response)->{total}, 0, 'update matching nothing counts 0');

# --- update errors change nothing ---
{
	my $before = snapshot($node, 'people');
	my $query = with_query($data_path, cfxql_query => '*');

	foreach my $case (
		[ $query, '[{"a":1}]', 'application/json', 422, qr/JSON object/, 'array body' ],
		[ $query, '"text"', 'application/json', 422, qr/JSON object/, 'string body' ],
		[ $query, 'null', 'application/json', 422, qr/JSON object/, 'null body' ],
		[ $query, '{"a":', 'application/json', 400, qr/line 1, column \d+/, 'malformed body' ],
		[ $query, '', 'application/json', 400, qr/malformed JSON/, 'empty body' ],
		[ $query, '{"a":1}', '', 415, qr/application\/json/, 'body without content type' ],
		[ $query, '{"a":"x\u0000y"}', 'application/json', 422, qr/U\+0000/, 'body with U+0000' ],
		[ $query, '{"_RDA_Id":"abc"}', 'application/json', 422, qr/_RDA_Id/, 'body with _RDA_Id' ],
		[ $data_path, '{"a":1}', 'application/json', 422, qr/"cfxql_query"/, 'missing cfxql_query' ],
		[ "$data_path?cfxql_query=", '{"a":1}', 'application/json', 422, qr/"cfxql_query"/, 'empty cfxql_query' ],
		[ "$data_path?cfxql_query", '{"a":1}', 'application/json', 422, qr/"cfxql_query"/, 'cfxql_query without a value' ],
		[ with_query($data_path, cfxql_query => " \t\r\n "), '{"a":1}', 'application/json', 422, qr/"cfxql_query"/, 'blank cfxql_query' ],
		[ with_query($data_path, cfxql_query => '*', conflicts => 'maybe'), '{"a":1}', 'application/json', 422, qr/"conflicts": "maybe"/, 'unknown conflicts' ],
		[ with_query($data_path, cfxql_query => '*', conflicts => 'ABORT'), '{"a":1}', 'application/json', 422, qr/"conflicts": "ABORT"/, 'conflicts in capitals' ],
		[ with_query($data_path, cfxql_query => '*', case_sensitive => 'no'), '{"a":1}', 'application/json', 422, qr/"case_sensitive": "no"/, 'bad case_sensitive' ],
		[ with_query($data_path, cfxql_query => 'age >'), '{"a":1}', 'application/json', 400, qr/position \d+/, 'bad query' ],
		[ with_query($data_path, cfxql_query => 'age > 1 GET name'), '{"a":1}', 'application/json', 400, qr/GET projection/, 'query with a projection' ],
		[ with_query($data_path, cfxql_query => q{name ? '[z-a]'}), '{"a":1}', 'application/json', 400, qr/\[z-a\]/, 'invalid regex' ],
		[ "$data_path?cfxql_query=*%00name%3D1", '{"a":1}', 'application/json', 422, qr/U\+0000/, 'cfxql_query with %00' ],
		[ with_query($data_path, cfxql_query => q(name = 'nobody'), cfxql_query => '*'), '{"a":1}', 'application/json', 422, qr/"cfxql_query" is given 2 times/, 'cfxql_query given twice' ],
		[ with_query($data_path, cfxql_query => '*', conflicts => 'abort', conflicts => 'proceed'), '{"a":1}', 'application/json', 422, qr/"conflicts" is given 2 times/, 'conflicts given twice' ])
	{
		my ($path, $body, $content_type, $status, $detail, $label) = @$case;
		$response = api($server, 'PUT', $path, $body, $content_type);
		is($response->{status}, $status, "update with $label returns $status");
		like($response->{json}{detail}, $detail, "update with $label detail");
	}
	is(snapshot($node, 'people'), $before, 'rejected updates change nothing');
}

$response = api($server, 'PUT',
	with_query($data_path, cfxql_query => q(city = 'Langley')),
	'{"ts_field":1}', 'application/json; charset=utf-8');
is($response->{status}, 200, 'update with a charset in the content type returns 200');

# An update that makes two records share unique key values fails whole.
{
	my $before = snapshot($node, 'keyed');
	$response = api($server, 'PUT',
		with_query('/api/v2/pstreams/pstream/keyed/data', cfxql_query => '*'),
		'{"code":"same"}');
	is($response->{status}, 409, 'update colliding on unique_keys returns 409');
	is(snapshot($node, 'keyed'), $before, 'colliding update changes nothing');
}

# --- delete ---
$response = api($server, 'DELETE',
	with_query($data_path, cfxql_query => q(city = 'Boston')));
is($response->{status}, 200, 'delete returns 200');
is($response->{json}{serviceResult}{status}, 'SUBMIT_OK', 'delete envelope has SUBMIT_OK');
is($response->{json}{serviceResult}{statusMessage},
	'pstream people: 1 record deleted', 'delete status message counts the record');
{
	my $counts = counts($response);
	is($counts->{total}, 1, 'delete total counts the match');
	is($counts->{deleted}, 1, 'delete counts the deleted record');
	is($counts->{noops}, 0, 'delete counts no noop');
	is($counts->{version_conflicts}, 0, 'delete counts no conflict');
	is($counts->{batches}, 1, 'delete runs in one batch');
	is_deeply($counts->{failures}, [], 'delete has no failures');
	ok(!$counts->{timed_out}, 'delete did not time out');
}
is(record_count($node, 'people'), '3', 'delete removes the matching record');
is( $node->safe_psql(
		'postgres',
		q(SELECT count(*) FROM pstream_select('people') r WHERE r->>'city' = 'Boston')),
	'0',
	'deleted record is gone');

$response = api($server, 'DELETE',
	with_query($data_path, cfxql_query => q(name = 'nobody')));
is($response->{status}, 200, 'delete matching nothing returns 200');
is(counts($response)->{deleted}, 0, 'delete matching nothing deletes nothing');
is($response->{json}{serviceResult}{statusMessage},
	'pstream people: 0 records deleted', 'status message of an empty delete');

$response = api($server, 'DELETE',
	with_query($data_path, cfxql_query => q(role = 'surgeon'), case_sensitive => '0'));
is(counts($response)->{deleted}, 1, 'case-insensitive delete deletes the match');

# --- delete errors change nothing ---
{
	my $before = snapshot($node, 'people');

	foreach my $case (
		[ $data_path, 422, qr/"cfxql_query"/, 'missing cfxql_query' ],
		[ "$data_path?cfxql_query=", 422, qr/"cfxql_query"/, 'empty cfxql_query' ],
		[ with_query($data_path, cfxql_query => '   '), 422, qr/"cfxql_query"/, 'blank cfxql_query' ],
		[ with_query($data_path, cfxql_query => '*', conflicts => 'skip'), 422, qr/"conflicts": "skip"/, 'unknown conflicts' ],
		[ with_query($data_path, cfxql_query => '*', case_sensitive => 'maybe'), 422, qr/"case_sensitive": "maybe"/, 'bad case_sensitive' ],
		[ with_query($data_path, cfxql_query => q(name = 'x' or)), 400, qr/position \d+/, 'bad query' ],
		[ with_query($data_path, cfxql_query => '* GET name'), 400, qr/GET projection/, 'query with a projection' ],
		[ with_query($data_path, cfxql_query => q{name ? '(x'}), 400, qr/\(x/, 'invalid regex' ],
		[ "$data_path?cfxql_query=*%00name%3D1", 422, qr/U\+0000/, 'cfxql_query with %00' ],
		[ with_query($data_path, cfxql_query => q(name = 'nobody'), cfxql_query => '*'), 422, qr/"cfxql_query" is given 2 times/, 'cfxql_query given twice' ],
		[ with_query($data_path, cfxql_query => q(name = 'nobody'), CFXQL_QUERY => '*'), 422, qr/"cfxql_query" is given 2 times/, 'cfxql_query given twice in two cases' ])
	{
		my ($path, $status, $detail, $label) = @$case;
		$response = api($server, 'DELETE', $path);
		is($response->{status}, $status, "delete with $label returns $status");
		like($response->{json}{detail}, $detail, "delete with $label detail");
	}
	is(snapshot($node, 'people'), $before, 'rejected deletes change nothing');
}

# --- unknown pstream and invalid name ---
foreach my $method ('PUT', 'DELETE')
{
	my $body = $method eq 'PUT' ? '{"a":1}' : undef;

	$response = api($server, $method,
		with_query('/api/v2/pstreams/pstream/nobody/data', cfxql_query => '*'), $body);
	is($response->{status}, 404, "$method data of an unknown pstream returns 404");
	like($response->{json}{detail}, qr/nobody/, "$method 404 detail names the pstream");

	$response = api($server, $method,
		with_query('/api/v2/pstreams/pstream/a%2Fb/data', cfxql_query => '*'), $body);
	is($response->{status}, 422, "$method data with an invalid name returns 422");
}

# --- conflicts with a record locked by another session ---
$response = api($server, 'POST', '/api/v2/pstreams/pstream/locked/data',
	'[{"n":1,"grp":"x"},{"n":2,"grp":"x"},{"n":3,"grp":"x"},{"n":4,"grp":"y"}]');
is($response->{status}, 201, 'add of four records to lock returns 201');

my $locker = $node->background_psql('postgres');
$locker->query_safe('BEGIN');
$locker->query_safe(
	q(SELECT id FROM pstream_data.locked WHERE data @> '{"n":1}' FOR UPDATE));

my $locked_path = '/api/v2/pstreams/pstream/locked/data';
{
	my $before = snapshot($node, 'locked');

	foreach my $case (
		[ 'PUT', with_query($locked_path, cfxql_query => q(grp = 'x')), '{"u":1}', 'update' ],
		[ 'PUT', with_query($locked_path, cfxql_query => q(grp = 'x'), conflicts => 'abort'), '{"u":1}', 'update with conflicts=abort' ],
		[ 'DELETE', with_query($locked_path, cfxql_query => q(grp = 'x')), undef, 'delete' ],
		[ 'DELETE', with_query($locked_path, cfxql_query => '*', conflicts => 'abort'), undef, 'delete with conflicts=abort' ])
	{
		my ($method, $path, $body, $label) = @$case;
		my $started = time();

		$response = api($server, $method, $path, $body);
		is($response->{status}, 409, "$label of a locked record returns 409");
		like($response->{json}{detail}, qr/locked/, "$label 409 detail says locked");
		cmp_ok(time() - $started, '<', 10, "$label fails without waiting for the lock");
	}
	is(snapshot($node, 'locked'), $before, 'aborted updates and deletes change nothing');
}

$response = api($server, 'PUT',
	with_query($locked_path, cfxql_query => q(grp = 'x'), conflicts => 'proceed'),
	'{"u":1}');
is($response->{status}, 200, 'update with conflicts=proceed returns 200');
is(counts($response)->{total}, 3, 'update with conflicts=proceed matches three');
is(counts($response)->{updated}, 2, 'update with conflicts=proceed skips the locked record');
is(counts($response)->{version_conflicts}, 1, 'update counts the locked record as a conflict');
is( $node->safe_psql(
		'postgres',
		q(SELECT string_agg(r->>'n', ',' ORDER BY r->>'n') FROM pstream_select('locked') r WHERE r ? 'u')),
	'2,3',
	'update with conflicts=proceed changes the unlocked matches only');

$response = api($server, 'DELETE',
	with_query($locked_path, cfxql_query => q(grp = 'x'), conflicts => 'proceed'));
is($response->{status}, 200, 'delete with conflicts=proceed returns 200');
is(counts($response)->{total}, 3, 'delete with conflicts=proceed matches three');
is(counts($response)->{deleted}, 2, 'delete with conflicts=proceed skips the locked record');
is(counts($response)->{version_conflicts}, 1, 'delete counts the locked record as a conflict');
is( $node->safe_psql(
		'postgres',
		q(SELECT string_agg(r->>'n', ',' ORDER BY r->>'n') FROM pstream_select('locked') r)),
	'1,4',
	'delete with conflicts=proceed keeps the locked record');

$locker->query_safe('COMMIT');
$locker->quit;

$response = api($server, 'DELETE', with_query($locked_path, cfxql_query => '*'));
is($response->{status}, 200, 'delete after the lock is released returns 200');
is(counts($response)->{deleted}, 2, 'delete after the lock deletes the rest');
is(record_count($node, 'locked'), '0', 'locked pstream is empty');

# --- hostile query text changes nothing ---
# Each text either fails to parse (400) or is a query that matches no canary
# record (200 with zero counts); none may run as SQL.
{
	my $canary_path = '/api/v2/pstreams/pstream/canary/data';
	my $before = snapshot($node, 'canary');
	my @hostile = (
		q{'; DROP TABLE pstream_data.canary; --},
		q{name = 'x''; DROP TABLE pstream_data.canary; --'},
		q{name = 'nobody'; DELETE FROM pstream_data.canary; --},
		q{name = 'nobody' -- ' or 1 = 1},
		q{name = 'nobody' /* */ or 1 = 1},
		q{name = 'nobody' or `x') OR true OR ('` = 1},
		q{`name'); DROP TABLE pstream_data.canary; --` = 'a'},
		q{name = $$x$$},
		q{$$; DROP TABLE pstream_data.canary; $$},
		q{name ? '$$; DROP TABLE pstream_data.canary; --'},
		q{name = 'nobody\\'; DROP TABLE pstream_data.canary; --'},
		q{name = E'\\x27) or true --'},
		q{song ~ '%' and name = 'nobody'},
		q{name in ['nobody', '''; TRUNCATE pstream_data.canary; --']});

	foreach my $query (@hostile)
	{
		my %paths = (
			GET => with_query($canary_path, cfxql_query => $query, search => $query, sort => $query),
			PUT => with_query($canary_path, cfxql_query => $query),
			DELETE => with_query($canary_path, cfxql_query => $query));

		foreach my $method ('GET', 'PUT', 'DELETE')
		{
			$response = api($server, $method, $paths{$method},
				$method eq 'PUT' ? '{"song":"hacked"}' : undef);
			ok( $response->{status} == 200 || $response->{status} == 400,
				"$method with hostile [$query] returns 200 or 400")
			  or diag("status $response->{status}: $response->{content}");
			next unless $response->{status} == 200;

			if ($method eq 'GET')
			{
				is($response->{json}{total_count}, 0, "GET with hostile [$query] matches nothing");
			}
			else
			{
				is(counts($response)->{total}, 0, "$method with hostile [$query] matches nothing");
			}
		}
		is(snapshot($node, 'canary'), $before, "hostile [$query] changes nothing");
	}
	is( $node->safe_psql('postgres',
			q(SELECT count(*) FROM pstream_data.canary)),
		'2', 'canary data table exists with its records');
}

# --- 405 lists the new methods ---
$response = api($server, 'PATCH', $data_path);
is($response->{status}, 405, 'PATCH data returns 405');
is($response->{headers}{allow}, 'POST, GET, PUT, DELETE', 'data route allows four methods');

done_testing();
