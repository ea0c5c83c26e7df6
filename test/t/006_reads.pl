
# 006_reads.pl
#     End-to-end tests of the read side of pstreamd: search, sort, paging,
#     group_by with agg_function/agg_column and aggs, the GET projection and
#     the table-report envelope on GET .../data and GET /api/v2/pstreams,
#     each parameter alone and combined, against a real cluster and the real
#     pstreamd on loopback.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use JSON::PP;
use List::Util qw(sum min max);
use FindBin;
use lib "$FindBin::Bin/../perl";
use PstreamTest;

# The values of one field over the rows of a read, in order; undef for null.
sub column
{
	my ($response, $field, $rows_key) = @_;
	$rows_key //= 'pstream_data';
	return [ map { $_->{$field} } @{ $response->{json}{$rows_key} } ];
}

# The envelope fields of a read, without the rows and the column list.
sub envelope
{
	my ($response) = @_;
	my %fields = %{ $response->{json} };
	delete @fields{qw(pstream_data pstreams reportMetaData)};
	return \%fields;
}

# Read GET .../data of a pstream with the given parameters.
sub read_data
{
	my ($server, $name, @pairs) = @_;
	return api($server, 'GET',
		with_query("/api/v2/pstreams/pstream/$name/data", @pairs));
}

my $node = start_node('reads', 'pg_trgm');
my $json = json_codec();
my $server = start_pstreamd($node, 'reads');
my $response;

# -- records with mixed types -------------------------------------------

my @records = (
	{ _RDA_Id => 'r01', g => 'a', h => 'x', v => 1,     msg => 'Disk full on web1' },
	{ _RDA_Id => 'r02', g => 'a', h => 'y', v => 2.5,   msg => 'disk ok' },
	{ _RDA_Id => 'r03', g => 'a', h => 'x', v => '3',   msg => 'CPU high' },
	{ _RDA_Id => 'r04', g => 'a', h => 'x', v => 'abc', msg => 'memory low' },
	{ _RDA_Id => 'r05', g => 'b', h => 'x', v => JSON::PP::true, msg => 'disk slow' },
	{ _RDA_Id => 'r06', g => 'b', h => 'y', v => undef, msg => 'net down' },
	{ _RDA_Id => 'r07', g => 'b', h => 'y', msg => 'net up' },
	{ _RDA_Id => 'r08', g => 1, v => { a => 1 }, msg => 'object value' },
	{ _RDA_Id => 'r09', g => '1', v => [1], msg => 'array value' },
	{ _RDA_Id => 'r10', v => '-4e1', msg => 'no group' },
	{ _RDA_Id => 'r11', g => undef, v => ' 80', msg => 'null group' },
	{ _RDA_Id => 'r12', g => 'a', h => 'y', v => 1, msg => 'DISK again' });
$_->{timestamp} = '2024-01-01T00:00:00Z' foreach @records;

$response = api($server, 'POST', '/api/v2/pstreams',
	'{"name":"mixed","attributes":{"unique_keys":["msg"]}}');
is($response->{status}, 201, 'create mixed returns 201');
$response = api($server, 'POST', '/api/v2/pstreams/pstream/mixed/data',
	$json->encode(\@records));
is($response->{status}, 201, 'add mixed records returns 201');

# -- search -------------------------------------------------------------

$response = read_data($server, 'mixed', search => 'DISK', sort => '_RDA_Id');
is($response->{status}, 200, 'search returns 200');
is_deeply(column($response, '_RDA_Id'), [qw(r01 r02 r05 r12)],
	'search ignores case by default');
is($response->{json}{search}, 'DISK', 'search is echoed');

$response = read_data($server, 'mixed', search => '2.5');
is_deeply(column($response, '_RDA_Id'), ['r02'], 'search finds a number through its text');

$response = read_data($server, 'mixed', search => 'disk', cfxql_query => "h = 'y'", sort => '_RDA_Id');
is_deeply(column($response, '_RDA_Id'), [qw(r02 r12)], 'search is ANDed with cfxql_query');

$response = read_data($server, 'mixed', search => 'zzz-nothing');
is($response->{json}{total_count}, 0, 'search without a match counts 0');

# -- sort ---------------------------------------------------------------

$response = read_data($server, 'mixed', sort => 'v', limit => 100);
is_deeply(column($response, '_RDA_Id'),
	[qw(r11 r10 r03 r04 r01 r12 r02 r05 r09 r08 r06 r07)],
	'sort orders strings bytewise, then numbers, booleans, arrays, objects, then missing and null');
is_deeply($response->{json}{sort}, ['v'], 'sort is echoed');

$response = read_data($server, 'mixed', sort => '-v');
is_deeply(column($response, '_RDA_Id'),
	[qw(r08 r09 r05 r02 r01 r12 r04 r03 r10 r11 r06 r07)],
	'descending sort reverses all but missing and null, which stay last');

$response = read_data($server, 'mixed', sort => 'h', sort => '-_RDA_Id');
is_deeply(column($response, '_RDA_Id'),
	[qw(r05 r04 r03 r01 r12 r07 r06 r02 r11 r10 r09 r08)],
	'repeated sort parameters sort by several fields');

$response = read_data($server, 'mixed');
is_deeply($response->{json}{sort}, ['-timestamp'], 'the default sort is -timestamp');

# -- paging over 1,000 records with many ties ---------------------------

my @many = map {
	my %record = (_RDA_Id => sprintf('id%04d', $_), n => $_,
		timestamp => '2024-01-01T00:00:00Z');
	my $kind = $_ % 6;
	$record{bucket} =
	    $kind == 0 ? 'b'
	  : $kind == 1 ? 10
	  : $kind == 2 ? 'B'
	  : $kind == 3 ? JSON::PP::false
	  : $kind == 4 ? undef
	  :              '10';
	\%record;
} 1 .. 1000;
$response = api($server, 'POST', '/api/v2/pstreams', '{"name":"many"}');
is($response->{status}, 201, 'create many returns 201');
$response = api($server, 'POST', '/api/v2/pstreams/pstream/many/data', $json->encode(\@many));
is($response->{status}, 201, 'add 1,000 records returns 201');

# The expected order of "bucket", computed here: strings bytewise ("10" <
# "B" < "b"), then the number 10, then false; null last in both
# directions; then _RDA_Id.
sub bucket_rank
{
	my ($record, $descending) = @_;
	my $bucket = $record->{bucket};
	return 100 unless defined $bucket;
	my $rank;
	if (JSON::PP::is_bool($bucket))
	{
		$rank = 4;
	}
	elsif ($record->{n} % 6 == 1)
	{
		$rank = 3;    # the number 10
	}
	else
	{
		$rank = { '10' => 0, 'B' => 1, 'b' => 2 }->{$bucket};
	}
	return $descending ? 10 - $rank : $rank;
}

foreach my $descending (0, 1)
{
	my $sort = $descending ? '-bucket' : 'bucket';
	my @expected = map { $_->{_RDA_Id} }
	  sort { bucket_rank($a, $descending) <=> bucket_rank($b, $descending) or $a->{_RDA_Id} cmp $b->{_RDA_Id} } @many;
	my @pages;
	my $offset = 0;
	my $last_response;

	while (1)
	{
		$last_response = read_data($server, 'many', sort => $sort, offset => $offset, limit => 37);
		last unless $last_response->{status} == 200;
		push @pages, @{ column($last_response, '_RDA_Id') };
		last if $last_response->{json}{is_last};
		$offset += 37;
	}
	is($last_response->{status}, 200, "paging by $sort returns 200");
	is(scalar @pages, 1000, "pages by $sort hold 1,000 records");
	my %seen;
	$seen{$_}++ foreach @pages;
	is(scalar keys %seen, 1000, "pages by $sort repeat no record");
	is_deeply(\@pages, \@expected, "pages by $sort concatenate to the expected order");

	$response = read_data($server, 'many', sort => $sort, limit => 1000);
	is_deeply(column($response, '_RDA_Id'), \@expected, "one page by $sort has the same order");
}

$response = read_data($server, 'many', sort => 'nowhere', offset => 990, limit => 20);
is_deeply(column($response, '_RDA_Id'), [ map { sprintf('id%04d', $_) } 991 .. 1000 ],
	'a field absent from every record sorts by _RDA_Id');

# -- the envelope -------------------------------------------------------

$response = read_data($server, 'many', sort => 'n', limit => 400);
is_deeply(envelope($response),
	{ total_count => 1000, num_items => 400, offset => 0, limit => 400, sort => ['n'],
	  search => undef, is_first => JSON::PP::true, is_last => JSON::PP::false },
	'envelope of the first page');
$response = read_data($server, 'many', sort => 'n', offset => 400, limit => 400);
is_deeply(envelope($response),
	{ total_count => 1000, num_items => 400, offset => 400, limit => 400, sort => ['n'],
	  search => undef, is_first => JSON::PP::false, is_last => JSON::PP::false },
	'envelope of a middle page');
$response = read_data($server, 'many', sort => 'n', offset => 800, limit => 400);
is_deeply(envelope($response),
	{ total_count => 1000, num_items => 200, offset => 800, limit => 400, sort => ['n'],
	  search => undef, is_first => JSON::PP::false, is_last => JSON::PP::true },
	'envelope of the last page');
is_deeply(column($response, 'n'), [ 801 .. 1000 ], 'the last page holds the last records');
$response = read_data($server, 'many', cfxql_query => 'n > 5000', search => 'x');
is_deeply(envelope($response),
	{ total_count => 0, num_items => 0, offset => 0, limit => 100, sort => ['-timestamp'],
	  search => 'x', is_first => JSON::PP::true, is_last => JSON::PP::true },
	'envelope of an empty result');
is_deeply($response->{json}{pstream_data}, [], 'an empty result has no rows');
is($response->{json}{reportMetaData}{title}, 'many', 'the report title is the pstream name');

$response = read_data($server, 'many', offset => -1);
is($response->{status}, 422, 'a negative offset is 422');
$response = read_data($server, 'many', limit => 10001);
is($response->{status}, 422, 'a limit above 10,000 is 422');

# -- projection ---------------------------------------------------------

$response = read_data($server, 'mixed',
	cfxql_query => q{_RDA_Id in ['r01', 'r07'] GET msg as message, v, missing as "Not there", h},
	sort => '_RDA_Id');
is($response->{status}, 200, 'projection returns 200');
is_deeply($response->{json}{pstream_data},
	[ { message => 'Disk full on web1', v => 1, 'Not there' => undef, h => 'x' },
	  { message => 'net up', v => undef, 'Not there' => undef, h => 'y' } ],
	'projection keeps the listed fields, renamed, missing as null');
is_deeply([ map { $_->{id} } @{ $response->{json}{reportMetaData}{reportColumnDefinitionList} } ],
	[ 'message', 'v', 'Not there', 'h' ], 'columns follow the projection');
is_deeply([ map { $_->{type} . ':' . ($_->{key} ? 'key' : '') } @{ $response->{json}{reportMetaData}{reportColumnDefinitionList} } ],
	[ 'TEXT:key', 'MIXED:', 'TEXT:', 'TEXT:' ], 'projected columns carry metadata types and unique keys');

# -- group_by and aggregates --------------------------------------------

$response = read_data($server, 'mixed', group_by => 'g', sort => 'g');
is($response->{status}, 200, 'group_by returns 200');
is_deeply($response->{json}{pstream_data},
	[ { g => '1', count_ => 1 }, { g => 'a', count_ => 5 }, { g => 'b', count_ => 3 },
	  { g => 1, count_ => 1 }, { g => undef, count_ => 2 } ],
	'group_by alone counts the records of each group in count_');
is($response->{json}{total_count}, 5, 'total_count counts groups');

$response = read_data($server, 'mixed', group_by => 'g', group_by => 'h', sort => 'g', sort => 'h', limit => 3, offset => 1);
is_deeply($response->{json}{pstream_data},
	[ { g => 'a', h => 'x', count_ => 3 }, { g => 'a', h => 'y', count_ => 2 }, { g => 'b', h => 'x', count_ => 1 } ],
	'two group fields, sorted and paged');
is($response->{json}{total_count}, 7, 'total_count counts the groups of two fields');

# Aggregates of v per group, computed here: numbers and strings in JSON
# number syntax count for sum, avg, min and max.
my %groups;
foreach my $record (@records)
{
	my $key = exists $record->{g} && defined $record->{g} ? $json->encode($record->{g}) : 'null';
	push @{ $groups{$key} }, $record;
}
my %expected;
foreach my $key (keys %groups)
{
	my @present = grep { exists $_->{v} && defined $_->{v} } @{ $groups{$key} };
	my @numbers = map { $_->{v} } grep {
		!ref $_->{v} && $_->{v} =~ /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/
	} @present;
	my %distinct = map { $json->encode($_->{v}) => 1 } @present;
	$expected{$key} = {
		value_count => scalar @present,
		cardinality => scalar keys %distinct,
		sum => @numbers ? sum(@numbers) : undef,
		avg => @numbers ? sum(@numbers) / @numbers : undef,
		min => @numbers ? min(@numbers) : undef,
		max => @numbers ? max(@numbers) : undef };
}

$response = read_data($server, 'mixed', group_by => 'g',
	map { (aggs => "$_:v") } qw(value_count cardinality sum avg min max));
is($response->{status}, 200, 'group_by with every aggregate returns 200');
is(scalar @{ $response->{json}{pstream_data} }, scalar keys %groups, 'one row per group');
foreach my $row (@{ $response->{json}{pstream_data} })
{
	my $key = defined $row->{g} ? $json->encode($row->{g}) : 'null';
	foreach my $function (qw(value_count cardinality sum avg min max))
	{
		my ($got, $want) = ($row->{"${function}_v"}, $expected{$key}{$function});
		if (defined $want)
		{
			ok(defined $got && abs($got - $want) < 1e-9, "$function of v in group $key is $want")
			  or diag("got " . ($got // 'null'));
		}
		else
		{
			ok(!defined $got, "$function of v in group $key is null");
		}
	}
}
is_deeply([ map { "$_->{id}:$_->{type}" } @{ $response->{json}{reportMetaData}{reportColumnDefinitionList} } ],
	[ qw(avg_v:NUMBER cardinality_v:NUMBER g:MIXED max_v:NUMBER min_v:NUMBER sum_v:NUMBER value_count_v:NUMBER) ],
	'grouped columns: group fields from the metadata, aggregates NUMBER');

$response = read_data($server, 'mixed', group_by => 'g', agg_function => 'sum', agg_column => 'v', sort => '-v', limit => 2);
is($response->{status}, 200, 'agg_function with agg_column returns 200');
is_deeply($response->{json}{pstream_data}, [ { g => 'a', v => 7.5 }, { g => undef, v => -40 } ],
	'agg_function names the aggregate after agg_column');

$response = read_data($server, 'mixed', group_by => 'h', aggs => 'max:v:top', aggs => 'value_count:g', sort => 'h');
is_deeply($response->{json}{pstream_data},
	[ { h => 'x', top => 3, value_count_g => 4 }, { h => 'y', top => 2.5, value_count_g => 4 },
	  { h => undef, top => -40, value_count_g => 2 } ],
	'aggs entries with and without an alias');

$response = read_data($server, 'mixed', aggs => 'sum:v', aggs => 'cardinality:g');
is_deeply($response->{json}{pstream_data}, [ { sum_v => -32.5, cardinality_g => 4 } ],
	'aggregates without group_by give one row over every match');
is($response->{json}{total_count}, 1, 'aggregates without group_by count one row');

$response = read_data($server, 'mixed', aggs => 'median:v');
is($response->{status}, 422, 'an unknown aggregate function is 422');
like($response->{json}{detail} // '', qr/median/, 'the detail names the unknown function');
$response = read_data($server, 'mixed', aggs => 'sum:v', aggs => 'max:v:sum_v');
is($response->{status}, 422, 'two aggregates with one name are 422');
like($response->{json}{detail} // '', qr/sum_v/, 'the detail names the duplicate');
$response = read_data($server, 'mixed', group_by => 'g', aggs => 'sum:v:g');
is($response->{status}, 422, 'an aggregate named like a group field is 422');
$response = read_data($server, 'mixed', aggs => 'sum');
is($response->{status}, 422, 'a malformed aggs entry is 422');

# -- every parameter together -------------------------------------------

$response = read_data($server, 'many', cfxql_query => 'n <= 600', search => 'b',
	group_by => 'bucket', aggs => 'max:n', aggs => 'min:n:first', sort => '-max_n', offset => 1, limit => 1);
is($response->{status}, 200, 'query, search, group, sort and paging together return 200');
is_deeply($response->{json}{pstream_data}, [ { bucket => 'B', max_n => 596, first => 2 } ],
	'query, search, group, sort and paging together select the right group');
is_deeply(envelope($response),
	{ total_count => 2, num_items => 1, offset => 1, limit => 1, sort => ['-max_n'],
	  search => 'b', is_first => JSON::PP::false, is_last => JSON::PP::true },
	'envelope of a combined grouped read');

$response = read_data($server, 'many', cfxql_query => 'n > 990 GET n, bucket as kind', search => '10',
	sort => '-n', offset => 1, limit => 2);
is_deeply($response->{json}{pstream_data}, [ { n => 997, kind => 10 }, { n => 995, kind => '10' } ],
	'query with projection, search, sort and paging together');
is($response->{json}{total_count}, 4, 'combined read counts every match');

# -- GET /api/v2/pstreams ------------------------------------------------

foreach my $create (
	'{"name":"list-a","attributes":{"retention_days":30,"unique_keys":["k"],"team":"Net"}}',
	'{"name":"list-b","attributes":{"retention_days":7,"team":"ops"}}',
	'{"name":"list-c","attributes":{"team":"Apps"}}')
{
	$response = api($server, 'POST', '/api/v2/pstreams', $create);
	is($response->{status}, 201, 'create a list pstream returns 201');
}

$response = api($server, 'GET', with_query('/api/v2/pstreams', cfxql_query => "name ^~ 'list-'", sort => 'name'));
is($response->{status}, 200, 'list returns 200');
my $first = { %{ $response->{json}{pstreams}[0] } };
like(delete $first->{timestamp}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, 'a list row has an ISO timestamp');
is_deeply($first,
	{ name => 'list-a', retention_days => 30, unique_keys => ['k'], team => 'Net', system_defined => 'no' },
	'a list row carries name, every attribute and system_defined');

$response = api($server, 'GET', with_query('/api/v2/pstreams', cfxql_query => "name ^~ 'list-'", sort => '-retention_days'));
is_deeply(column($response, 'name', 'pstreams'), [qw(list-a list-b list-c)],
	'list sorts by an attribute, missing last');
$response = api($server, 'GET', with_query('/api/v2/pstreams', cfxql_query => 'retention_days > 10'));
is_deeply(column($response, 'name', 'pstreams'), ['list-a'], 'list filters on an attribute');
$response = api($server, 'GET', with_query('/api/v2/pstreams', search => 'APPS'));
is_deeply(column($response, 'name', 'pstreams'), ['list-c'], 'list search covers attributes, ignoring case');
$response = api($server, 'GET', with_query('/api/v2/pstreams', cfxql_query => "name ^~ 'list-'",
	sort => 'team', offset => 1, limit => 1));
is_deeply(column($response, 'name', 'pstreams'), ['list-a'], 'list sorts bytewise and pages');
is_deeply(envelope($response),
	{ total_count => 3, num_items => 1, offset => 1, limit => 1, sort => ['team'],
	  search => undef, is_first => JSON::PP::false, is_last => JSON::PP::false },
	'envelope of a list page');

done_testing();
