
# 001_pstreams.pl
#     End-to-end tests of the pstream routes of pstreamd: create, list, edit,
#     drop, add and read records, metadata and stats, against a real cluster
#     and the real pstreamd binary (environment variable PSTREAMD).

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../perl";
use PstreamTest;

my $node = start_node('pstreams');
my $server = start_pstreamd($node, 'pstreams');

my $record_text =
  '{"name":"Jack Ryan","city":"Washington, DC","zip-code":20006,"is_pet_owner":true,"gym_membership_uuid":"6c34f649-861e-4259-ac69-21b9dce86ca5","last_gym_visit":"2024-11-20","timestamp":"18:15:54.065585+00:00"}';
my $record = json_codec()->decode($record_text);
my $response;

# --- create ---
$response = api($server, 'POST', '/api/v2/pstreams',
	'{"name":"people","attributes":{"retention_days":30,"owner":"qa"}}');
is($response->{status}, 201, 'create returns 201');
is($response->{json}{serviceResult}{status},
	'SUBMIT_OK', 'create envelope has SUBMIT_OK');
like($response->{json}{serviceResult}{statusMessage},
	qr/people/, 'create status message names the pstream');
is($response->{json}{serviceResult}{dataResults}{data}{name},
	'people', 'create returns the list row of the new pstream');
is($response->{headers}{'content-type'},
	'application/json', 'create answers application/json');
like($response->{headers}{'x-request-id'},
	qr/^[0-9a-f]{16}$/, 'create answers a request id');

$response = api($server, 'POST', '/api/v2/pstreams', '{"name":"people"}');
is($response->{status}, 409, 'second create of the same name returns 409');
like($response->{json}{detail}, qr/people/, '409 detail names the pstream');

$response = api($server, 'POST', '/api/v2/pstreams', '{"name":"bad/name"}');
is($response->{status}, 422, 'create with an invalid name returns 422');
like($response->{json}{detail},
	qr/invalid pstream name "bad\/name"/, '422 detail quotes the name');
is( $node->safe_psql(
		'postgres',
		"SELECT count(*) FROM pstream.pstreams WHERE name = 'bad/name'"),
	'0',
	'invalid name creates nothing');

$response = api($server, 'POST', '/api/v2/pstreams', '{"name":".hidden"}');
is($response->{status}, 422, 'create with a leading dot returns 422');

$response = api($server, 'POST', '/api/v2/pstreams', '{"name":"x" }', '');
is($response->{status}, 415, 'create without content type returns 415');

$response = api($server, 'POST', '/api/v2/pstreams', '{"attributes":{}}');
is($response->{status}, 422, 'create without a name returns 422');

$response = api($server, 'POST', '/api/v2/pstreams',
	'{"name":"typed","attributes":{"retention_days":"abc"}}');
is($response->{status}, 422, 'create with a bad attribute type returns 422');
like($response->{json}{detail},
	qr/retention_days/, 'bad attribute detail names the attribute');

$response = api($server, 'POST', '/api/v2/pstreams',
	'{"name":"charset-stream"}', 'application/json; charset=utf-8');
is($response->{status}, 201, 'content type with charset is accepted');

# --- add and read back ---
$response = api($server, 'POST', '/api/v2/pstreams/pstream/people/data',
	"[$record_text]");
is($response->{status}, 201, 'add returns 201');
is($response->{json}{serviceResult}{status},
	'SUBMIT_OK', 'add envelope has SUBMIT_OK');
is($response->{json}{serviceResult}{dataResults}{data}{added},
	1, 'add counts one added record');
is($response->{json}{serviceResult}{dataResults}{data}{merged},
	0, 'add counts no merged record');
is(record_count($node, 'people'), '1', 'one record is stored');

$response = api($server, 'GET', '/api/v2/pstreams/pstream/people/data');
is($response->{status}, 200, 'read returns 200');
is($response->{json}{total_count}, 1, 'read total_count is 1');
is($response->{json}{num_items}, 1, 'read num_items is 1');
is_deeply($response->{json}{sort}, ['-timestamp'], 'read echoes the default sort');
is($response->{json}{offset}, 0, 'read echoes offset 0');
is($response->{json}{limit}, 100, 'read echoes limit 100');
ok($response->{json}{is_first}, 'read is_first');
ok($response->{json}{is_last}, 'read is_last');
is($response->{json}{reportMetaData}{title}, 'people', 'read title is the pstream');
{
	my $stored = { %{ $response->{json}{pstream_data}[0] } };
	like(delete $stored->{_RDA_Id}, qr/^\S+$/, 'stored record has an _RDA_Id');
	is_deeply($stored, $record, 'record reads back unchanged');

	my @columns = map { $_->{id} }
	  @{ $response->{json}{reportMetaData}{reportColumnDefinitionList} };
	is_deeply(\@columns, [ sort('_RDA_Id', keys %$record) ],
		'column definitions list every field bytewise');
}

# Numbers keep their exact text: pstreamd passes the body without
# re-encoding it.
$response = api($server, 'POST', '/api/v2/pstreams/pstream/people/data',
	'[{"name":"big","n":123456789012345678901234567890.125}]');
is($response->{status}, 201, 'add of a big number returns 201');
$response = api($server, 'GET',
	'/api/v2/pstreams/pstream/people/data?sort=-name&limit=1');
like($response->{content},
	qr/123456789012345678901234567890\.125/, 'big number reads back exactly');
is_deeply($response->{json}{sort}, ['-name'], 'read echoes the sort');
is($response->{json}{num_items}, 1, 'limit 1 returns one row');
is($response->{json}{total_count}, 2, 'total_count counts every record');

$response = api($server, 'GET',
	'/api/v2/pstreams/pstream/people/data?sort=-name&sort=zip-code&offset=1');
is($response->{status}, 200, 'read with two sorts returns 200');
is_deeply($response->{json}{sort}, [ '-name', 'zip-code' ],
	'repeated sort parameters are kept in order');
is($response->{json}{offset}, 1, 'read echoes the offset');

$response = api($server, 'POST', '/api/v2/pstreams/pstream/people/data', '[]');
is($response->{status}, 201, 'add of an empty array returns 201');
is($response->{json}{serviceResult}{dataResults}{data}{added},
	0, 'empty add adds nothing');

# --- offset and limit out of range ---
foreach my $path (
	'/api/v2/pstreams',
	'/api/v2/pstreams/pstream/people/data',
	'/api/v2/pstreams/pstream/people/metadata')
{
	foreach my $query ('offset=-1', 'limit=0', 'limit=10001', 'limit=abc',
		'offset=1.5')
	{
		$response = api($server, 'GET', "$path?$query");
		is($response->{status}, 422, "$path?$query returns 422");
		my ($parameter) = $query =~ /^(\w+)/;
		like($response->{json}{detail}, qr/$parameter/,
			"$path?$query detail names the parameter");
	}
}

# --- list ---
$response = api($server, 'GET', '/api/v2/pstreams');
is($response->{status}, 200, 'list returns 200');
{
	my ($row) = grep { $_->{name} eq 'people' } @{ $response->{json}{pstreams} };
	ok($row, 'list contains the pstream');
	is($row->{retention_days}, 30, 'list row carries an attribute as a field');
	is($row->{owner}, 'qa', 'list row carries an unknown attribute');
	is($row->{system_defined}, 'no', 'list row has system_defined no');
	like($row->{timestamp},
		qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/,
		'list row timestamp is ISO-8601 UTC');
	is($response->{json}{reportMetaData}{title}, 'pstreams', 'list title');
	is($response->{json}{total_count}, 2, 'list total_count counts both pstreams');
	is_deeply($response->{json}{sort}, ['-timestamp'], 'list echoes the default sort');
	ok(exists $response->{json}{search}, 'list has a search field');
	my ($column) =
	  grep { $_->{id} eq 'name' }
	  @{ $response->{json}{reportMetaData}{reportColumnDefinitionList} };
	is_deeply(
		[ sort keys %$column ],
		[qw(hidden id identifier key sortable title type visible)],
		'column definition has every key');
}
$response = api($server, 'GET', '/api/v2/pstreams?sort=name&limit=1&offset=1');
is($response->{status}, 200, 'paged list returns 200');
is($response->{json}{pstreams}[0]{name}, 'people', 'list sorts by name');
ok(!$response->{json}{is_first}, 'second page is not the first');

# --- edit ---
$response = api($server, 'PUT', '/api/v2/pstreams/pstream/people',
	'{"attributes":{"retention_days":7,"owner":null}}');
is($response->{status}, 200, 'edit returns 200');
is($response->{json}{serviceResult}{status}, 'SUBMIT_OK', 'edit envelope');
is($response->{json}{serviceResult}{dataResults}{data}{retention_days},
	7, 'edit changes an attribute');
ok(!exists $response->{json}{serviceResult}{dataResults}{data}{owner},
	'edit with null removes an attribute');

$response = api($server, 'PUT', '/api/v2/pstreams/pstream/people',
	'{"attributes":{"retention_days":-1}}');
is($response->{status}, 422, 'edit with a negative retention_days returns 422');
$response = api($server, 'PUT', '/api/v2/pstreams/pstream/people', '{}');
is($response->{status}, 422, 'edit without attributes returns 422');
$response = api($server, 'PUT', '/api/v2/pstreams/pstream/people', '[1]');
is($response->{status}, 422, 'edit with an array body returns 422');

# --- metadata ---
$response = api($server, 'GET', '/api/v2/pstreams/pstream/people/metadata');
is($response->{status}, 200, 'metadata returns 200');
is($response->{json}{attributes}{retention_days},
	7, 'metadata carries the attributes');
{
	my %columns = map { $_->{columnId} => $_ } @{ $response->{json}{Metadata} };
	is($columns{'zip-code'}{type}, 'number', 'zip-code is a number');
	is($columns{'zip-code'}{mappedType}, 'NUMBER', 'zip-code maps to NUMBER');
	is($columns{is_pet_owner}{type}, 'boolean', 'is_pet_owner is a boolean');
	is($columns{is_pet_owner}{mappedType},
		'BOOLEAN', 'is_pet_owner maps to BOOLEAN');
	is($columns{city}{mappedType}, 'TEXT', 'city maps to TEXT');
	ok(!$columns{city}{key}, 'city is not a key');
	my @ids = map { $_->{columnId} } @{ $response->{json}{Metadata} };
	is_deeply(\@ids, [ sort @ids ], 'metadata rows are ordered by columnId');
	is($response->{json}{reportMetaData}{title}, 'people', 'metadata title');
}
$response = api($server, 'GET',
	'/api/v2/pstreams/pstream/people/metadata?limit=2&offset=1');
is($response->{json}{num_items}, 2, 'metadata pages');

# --- stats ---
$response = api($server, 'GET', '/api/v2/pstreams/pstream/people/stats');
is($response->{status}, 200, 'stats returns 200');
{
	my $row = $response->{json}{Stats}[0];
	is($row->{docs_count}, 2, 'stats docs_count is exact');
	like($row->{index_name}, qr/people/, 'stats index_name names the table');
	foreach my $field (qw(size_in_bytes table_size_in_bytes index_size_in_bytes))
	{
		like($row->{$field}, qr/^\d+$/, "stats $field is a number");
	}
	foreach my $field (qw(oldest_timestamp newest_timestamp))
	{
		like($row->{$field}, qr/^\d{4}-\d\d-\d\dT.*Z$/,
			"stats $field is ISO-8601 UTC");
	}
	foreach my $field (qw(inserted updated deleted))
	{
		ok(exists $row->{$field}, "stats has $field");
	}
	is($row->{status}, 'active', 'stats status is active');
	is($response->{json}{total_count}, 1, 'stats has one row');
}

# --- unknown pstream on every per-pstream route ---
foreach my $case (
	[ 'PUT', '/api/v2/pstreams/pstream/nobody', '{"attributes":{}}' ],
	[ 'DELETE', '/api/v2/pstreams/pstream/nobody', undef ],
	[ 'POST', '/api/v2/pstreams/pstream/nobody/data', '[{"a":1}]' ],
	[ 'GET', '/api/v2/pstreams/pstream/nobody/data', undef ],
	[ 'GET', '/api/v2/pstreams/pstream/nobody/metadata', undef ],
	[ 'GET', '/api/v2/pstreams/pstream/nobody/stats', undef ])
{
	my ($method, $path, $body) = @$case;
	$response = api($server, $method, $path, $body);
	is($response->{status}, 404, "$method $path of an unknown pstream returns 404");
	like($response->{json}{detail}, qr/nobody/,
		"$method $path 404 detail names the pstream");
}

# --- invalid name on every per-pstream route ---
foreach my $case (
	[ 'PUT', '/api/v2/pstreams/pstream/a%2Fb', '{"attributes":{}}' ],
	[ 'DELETE', '/api/v2/pstreams/pstream/a%2Fb', undef ],
	[ 'POST', '/api/v2/pstreams/pstream/a%2Fb/data', '[{"a":1}]' ],
	[ 'GET', '/api/v2/pstreams/pstream/a%2Fb/data', undef ],
	[ 'GET', '/api/v2/pstreams/pstream/a%2Fb/metadata', undef ],
	[ 'GET', '/api/v2/pstreams/pstream/a%2Fb/stats', undef ],
	[ 'GET', '/api/v2/pstreams/pstream/' . ('n' x 256) . '/stats', undef ],
	[ 'GET', '/api/v2/pstreams/pstream/caf%C3%A9/stats', undef ])
{
	my ($method, $path, $body) = @$case;
	$response = api($server, $method, $path, $body);
	is($response->{status}, 422, "$method $path with an invalid name returns 422");
	like($response->{json}{detail}, qr/invalid pstream name/,
		"$method $path detail says the name is invalid");
}
is( $node->safe_psql(
		'postgres', "SELECT count(*) FROM pstream.pstreams WHERE name LIKE 'a%'"),
	'0',
	'%2F in a name creates nothing');
$response = api($server, 'GET', '/api/v2/pstreams/pstream/peo%70le/stats');
is($response->{status}, 200, 'percent-encoded letters in a name are decoded');

# --- drop and re-create ---
$response = api($server, 'DELETE',
	'/api/v2/pstreams/pstream/people?delete_data=maybe');
is($response->{status}, 422, 'drop with a bad delete_data returns 422');
like($response->{json}{detail}, qr/delete_data/, 'detail names delete_data');

$response = api($server, 'DELETE', '/api/v2/pstreams/pstream/people');
is($response->{status}, 200, 'drop returns 200');
is($response->{json}{serviceResult}{status}, 'SUBMIT_OK', 'drop envelope');
is($response->{json}{serviceResult}{dataResults}{data}{name},
	'people', 'drop result names the pstream');
ok(!$response->{json}{serviceResult}{dataResults}{data}{data_deleted},
	'drop without delete_data keeps the data');

$response = api($server, 'GET', '/api/v2/pstreams/pstream/people/data');
is($response->{status}, 404, 'dropped pstream returns 404');
$response = api($server, 'DELETE', '/api/v2/pstreams/pstream/people');
is($response->{status}, 404, 'second drop returns 404');

$response = api($server, 'POST', '/api/v2/pstreams', '{"name":"people"}');
is($response->{status}, 201, 're-create returns 201');
$response = api($server, 'GET', '/api/v2/pstreams/pstream/people/data');
is($response->{json}{total_count}, 2, 're-create brings the records back');
$response = api($server, 'GET', '/api/v2/pstreams/pstream/people/metadata');
ok(!exists $response->{json}{attributes}{retention_days},
	're-create applies only the new attributes');

$response = api($server, 'DELETE',
	'/api/v2/pstreams/pstream/people?delete_data=TRUE');
is($response->{status}, 200, 'drop with delete_data returns 200');
ok($response->{json}{serviceResult}{dataResults}{data}{data_deleted},
	'drop with delete_data deletes the data');

$response = api($server, 'POST', '/api/v2/pstreams', '{"name":"people"}');
is($response->{status}, 201, 're-create after delete_data returns 201');
$response = api($server, 'GET', '/api/v2/pstreams/pstream/people/data');
is($response->{json}{total_count}, 0, 're-create after delete_data is empty');

done_testing();
