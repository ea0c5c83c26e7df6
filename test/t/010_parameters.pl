
# 010_parameters.pl
#     End-to-end tests of the query parameters of pstreamd and of the error
#     statuses they lead to: repeatable group_by and aggs, agg_function with
#     agg_column, parameters of the wrong type, percent-encoded names, 403
#     from a role without privileges, and bodies at and one byte over the
#     size limit, refused before the body is sent.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IO::Socket::INET;
use FindBin;
use lib "$FindBin::Bin/../perl";
use PstreamTest;

# Send raw bytes on a new connection and return what the server sends back
# within $seconds (the whole answer when the server closes first).
sub raw_exchange
{
	my ($server, $bytes, $seconds) = @_;
	my $socket = IO::Socket::INET->new(
		PeerAddr => '127.0.0.1',
		PeerPort => $server->{port},
		Proto => 'tcp') or die "cannot connect: $!";
	my $answer = '';

	print $socket $bytes;
	my $deadline = time + $seconds;
	while (time < $deadline)
	{
		my $read_set = '';
		vec($read_set, fileno($socket), 1) = 1;
		last unless select($read_set, undef, undef, 0.2) > 0 || $answer eq '';
		next unless vec($read_set, fileno($socket), 1);
		my $chunk;
		my $count = sysread($socket, $chunk, 65536);
		last if !$count;
		$answer .= $chunk;
		last if $answer =~ /\r\n\r\n/ && $answer =~ /\}\s*$/;
	}
	close($socket);
	return $answer;
}

my $node = start_node('parameters');
my $server = start_pstreamd($node, 'parameters',
	{ user => $node->{_os_user} // 'postgres' },
	'--max-body=1000');
my $response;

$response = api($server, 'POST', '/api/v2/pstreams', '{"name":"cities"}');
is($response->{status}, 201, 'create returns 201');
$response = api($server, 'POST', '/api/v2/pstreams/pstream/cities/data',
	'[{"city":"Lyon","people":5},{"city":"Nice","people":3}]');
is($response->{status}, 201, 'add returns 201');

my $data = '/api/v2/pstreams/pstream/cities/data';

# --- group_by and aggregates reach pstream_query ---
# Until the extension implements grouping it raises 0A000, a 422 that says
# so; either answer shows that the request passed pstreamd's checks.
foreach my $query (
	'group_by=city',
	'group_by=city&group_by=people',
	'aggs=sum:people',
	'aggs=sum:people&aggs=max:people:largest',
	'agg_function=avg&agg_column=people',
	'group_by=city&agg_function=value_count&agg_column=people&aggs=cardinality:people')
{
	$response = api($server, 'GET', "$data?$query");
	ok( $response->{status} == 200
		  || ($response->{status} == 422
			&& $response->{json}{detail} =~ /not supported/),
		"valid $query reaches the SQL function");
}

# --- aggregate parameters pstreamd rejects ---
my @invalid_aggregates = (
	[ 'agg_function=median&agg_column=people', qr/"agg_function": "median"/ ],
	[ 'agg_function=sum', qr/"agg_column" is missing/ ],
	[ 'agg_column=people', qr/"agg_function" is missing/ ],
	[ 'agg_function=sum&agg_column=', qr/"agg_column": ""/ ],
	[ 'aggs=people', qr/"aggs": "people" is not function:column/ ],
	[ 'aggs=median:people', qr/"aggs": "median:people" has an unknown function/ ],
	[ 'aggs=sum:', qr/"aggs": "sum:" has an empty column/ ],
	[ 'aggs=sum:people:', qr/"aggs": "sum:people:" has an empty alias/ ],
	[ 'aggs=sum:people&aggs=bad', qr/"aggs": "bad"/ ],
	[ 'group_by=a%00b', qr/"group_by": a value contains the character U\+0000/ ],
);
foreach my $case (@invalid_aggregates)
{
	my ($query, $detail) = @$case;
	$response = api($server, 'GET', "$data?$query");
	is($response->{status}, 422, "$query returns 422");
	like($response->{json}{detail}, $detail, "$query detail names the value");
}

# --- parameters of the wrong type: 422 naming parameter and value ---
my @wrong_types = (
	[ 'GET', "$data?offset=ten", qr/"offset": "ten"/ ],
	[ 'GET', "$data?limit=1.5", qr/"limit": "1.5"/ ],
	[ 'GET', "$data?limit=0", qr/limit/ ],
	[ 'GET', "$data?offset=-1", qr/offset/ ],
	[ 'GET', "$data?case_sensitive=maybe", qr/"case_sensitive": "maybe"/ ],
	[ 'GET', "$data?search=a&search=b", qr/"search" is given 2 times/ ],
	[ 'GET', '/api/v2/pstreams?limit=x', qr/"limit": "x"/ ],
	[ 'DELETE', "$data?cfxql_query=*&conflicts=wait", qr/"conflicts": "wait"/ ],
	[ 'DELETE', "$data", qr/missing parameter "cfxql_query"/ ],
	[ 'DELETE', '/api/v2/pstreams/pstream/cities?delete_data=yes',
		qr/"delete_data": "yes"/ ],
	[ 'GET', '/api/v2/pstreams/pstream/cities/metadata?offset=x', qr/"offset": "x"/ ],
	[ 'GET', '/api/v2/pstreams/pstream/cities/stats?limit=', qr/"limit": ""/ ],
);
foreach my $case (@wrong_types)
{
	my ($method, $path, $detail) = @$case;
	$response = api($server, $method, $path);
	is($response->{status}, 422, "$method $path returns 422");
	like($response->{json}{detail}, $detail, "$method $path detail names the value");
}

# --- repeated sort, and the sort echoed in the answer ---
$response = api($server, 'GET', "$data?sort=-people&sort=city");
is($response->{status}, 200, 'repeated sort returns 200');
is_deeply($response->{json}{sort}, [ '-people', 'city' ], 'repeated sort is echoed in order');
is($response->{json}{pstream_data}[0]{city}, 'Lyon', 'first sort key orders the rows');

# --- percent-encoded names ---
$response = api($server, 'GET', '/api/v2/pstreams/pstream/%63ities/data');
is($response->{status}, 200, 'percent-encoded letter in a name is decoded');
is($response->{json}{total_count}, 2, 'percent-encoded name reads the pstream');
$response = api($server, 'GET', '/api/v2/pstreams/pstream/cit%2Fies/data');
is($response->{status}, 422, '%2F in a name returns 422, not another route');
like($response->{json}{detail}, qr/invalid pstream name "cit\/ies"/,
	'%2F detail shows the decoded name');
$response = api($server, 'POST', '/api/v2/pstreams', '{"name":"a.b-c_d"}');
is($response->{status}, 201, 'create of a name with . - _ returns 201');
$response = api($server, 'GET', '/api/v2/pstreams/pstream/a%2Eb%2Dc%5Fd/metadata');
is($response->{status}, 200, 'percent-encoded . - _ reach the same pstream');
$response = api($server, 'DELETE', '/api/v2/pstreams/pstream/a%2Eb%2Dc%5Fd?delete_data=TRUE');
is($response->{status}, 200, 'drop with delete_data=TRUE returns 200');
like($response->{json}{serviceResult}{statusMessage}, qr/and its records/,
	'delete_data=TRUE deletes the records');

# --- body size: at the limit, one byte over, refused before the body ---
{
	# A JSON array of exactly $length bytes.
	my $body_of = sub {
		my ($length) = @_;
		my $prefix = '[{"v":"';
		my $suffix = '"}]';
		return $prefix . ('x' x ($length - length($prefix) - length($suffix))) . $suffix;
	};
	$response = api($server, 'POST', $data, $body_of->(1000));
	is($response->{status}, 201, 'body of exactly --max-body bytes returns 201');
	$response = api($server, 'POST', $data, $body_of->(1001));
	is($response->{status}, 413, 'body one byte over --max-body returns 413');
	like($response->{json}{detail}, qr/1001 bytes .* maximum of 1000 bytes/,
		'413 detail gives the size and the maximum');

	# Only the headers: the answer must come without the body being sent.
	my $answer = raw_exchange($server,
		"POST $data HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
		  . "Content-Length: 100000000\r\n\r\n", 5);
	like($answer, qr{^HTTP/1\.1 413}, '413 is sent as soon as Content-Length is known');
}

# --- 403: a role without privileges ---
$node->safe_psql('postgres', 'CREATE ROLE reader LOGIN');
{
	my $unprivileged = start_pstreamd($node, 'reader', { user => 'reader' });
	$response = api($unprivileged, 'GET', $data);
	is($response->{status}, 403, 'read by a role without privileges returns 403');
	like($response->{json}{detail}, qr/permission denied/,
		'403 detail says permission denied');
}

done_testing();
