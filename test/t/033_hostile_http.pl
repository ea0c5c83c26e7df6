
# 033_hostile_http.pl
#     Fuzz run of malformed HTTP requests against a running pstreamd: bad
#     methods, invalid request lines and versions, huge and broken headers,
#     invalid percent-encoding and UTF-8 in names and parameters,
#     duplicated and conflicting parameters, invalid bodies (invalid UTF-8,
#     JSON nested 100,000 levels deep, numbers of 10,000 digits), and
#     random byte mutations of valid requests.
#
#     An answer from pstreamd (it has an X-Request-Id header) must be a 4xx
#     with a JSON body that has a detail; only the random mutations, which
#     can produce valid requests, may also get a 2xx. libmicrohttpd 0.9.75
#     answers some requests itself, before pstreamd sees them, with an
#     HTML body that pstreamd cannot replace: 400 for a broken request line
#     or header, a missing Host header in HTTP/1.1 or an invalid
#     Content-Length, 413 or 414 or 431 for a request line and headers over
#     the connection memory, and 505 for an unsupported HTTP version. It
#     also closes some connections without an answer. The test checks that
#     such answers are complete HTTP responses with one of those statuses,
#     and that pstreamd still runs and serves afterwards.
#
#     PSTREAM_TEST_SEED replays a run; PSTREAM_FUZZ_REQUESTS sets the number
#     of generated requests (default 2000, and 600 against an
#     AddressSanitizer build).

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use POSIX ();
use Time::HiRes qw(time);
use FindBin;
use lib "$FindBin::Bin/../perl";
use PstreamTest;

my $seed = $ENV{PSTREAM_TEST_SEED} // int(time * 1000) % 1_000_000_000;
my $sanitized = defined $ENV{ASAN_OPTIONS};
my $request_count = $ENV{PSTREAM_FUZZ_REQUESTS} // ($sanitized ? 600 : 2000);
diag("seed $seed (set PSTREAM_TEST_SEED=$seed to replay), $request_count requests");
srand($seed);

my $node = start_node('hostile');
$node->append_conf('postgresql.conf', 'log_statement = none');
$node->reload;
my $server = start_pstreamd($node, 'hostile', '--max-body=1048576',
	'--connection-timeout=1', '--purge-interval=0');
my $data_path = '/api/v2/pstreams/pstream/h/data';

my $response = api($server, 'POST', '/api/v2/pstreams', '{"name":"h"}');
is($response->{status}, 201, 'create returns 201');
$response = api($server, 'POST', $data_path, '[{"n":1,"s":"one"},{"n":2,"s":"two"}]');
is($response->{status}, 201, 'add returns 201');

sub pick { return $_[ int rand @_ ] }

sub request_bytes
{
	my (%part) = @_;
	my $method = $part{method} // 'GET';
	my $target = $part{target} // $data_path;
	my $version = $part{version} // 'HTTP/1.1';
	my $text = "$method $target $version\r\n";
	$text .= "Host: 127.0.0.1\r\n" unless $part{no_host};
	$text .= "Connection: close\r\n";
	$text .= $_ foreach @{ $part{headers} // [] };
	if (defined $part{body})
	{
		$text .= "Content-Type: application/json\r\n"
		  unless $part{no_content_type};
		$text .= 'Content-Length: ' . length($part{body}) . "\r\n"
		  unless $part{no_length};
	}
	return "$text\r\n" . ($part{body} // '');
}

my @bad_names = (
	'%zz', '%', '%0', '%00', '%C3%28', '%FF%FE', "\xff\xfe", 'a%2Fb', '.hidden',
	'x' x 300, 'a%20b', '%E2%80%AE', 'na%C0%AFme', "\xc0\xaf", 'a b');
# Parameters that make a read invalid; update and delete ignore some of them.
my @bad_read_queries = (
	'limit=abc', 'limit=-1', 'limit=0', 'limit=99999999999999999999',
	'offset=-5', 'offset=1e9', 'limit=1&limit=2', 'offset=1&offset=1',
	'aggs=nothing', 'agg_function=sum', 'search=a&search=b');

# Parameters that make an update and a delete invalid; reads ignore them.
my @bad_write_queries = ('conflicts=maybe', 'conflicts=abort&conflicts=proceed',
	'cfxql_query=%20%20');

# Parameters that make a read, an update and a delete invalid.
my @bad_queries = (
	"cfxql_query=n%3D1&cfxql_query=n%3D2", 'cfxql_query=%', 'cfxql_query=%zz%',
	'cfxql_query=n%20%3D%20%27%FF%FE%27', 'cfxql_query=%00',
	'case_sensitive=2', 'case_sensitive=yes&case_sensitive=no',
	'cfxql_query=' . ('(' x 5000), 'cfxql_query=n%20%3D%3D%3D%201',
	'cfxql_query=n%20%3D%201%20GET');
my @bad_bodies = (
	'[' x 100_000,
	'{"a":' x 100_000,
	'[{"n":' . ('9' x 10_000) . '.5e999999}]',
	'[{"n":1e999999}]',
	qq([{"s":"\xff\xfe"}]),
	qq([{"\xc3\x28":1}]),
	qq([{"s":"\xed\xa0\x80"}]),
	'[{"s":"\u0000"}]',
	'[1,2,3]',
	'{"not":"an array"}',
	'[{"n":1}',
	'[{"n":1}]]',
	"[{\"n\":1}]\0",
	'',
	'null',
	'[{"n":NaN}]',
	'[{"n":-Infinity}]',
	"[{'n':1}]",
	'[{"n":01}]');

# Each generator returns the request bytes and whether a 2xx is allowed.
my @generators = (
	# methods
	sub {
		my $method = pick('FOO', 'get', 'TRACE', 'OPTIONS', 'HEAD', 'CONNECT',
			'PATCH', 'X' x 300, "GE\x01T", 'G-E-T', 'DELETE');
		my $target = pick($data_path, '/healthz', '/api/v2/pstreams',
			'/api/v2/pstreams/pstream/h');
		$target = '/api/v2/pstreams/pstream/h/metadata' if $method eq 'DELETE';
		return (request_bytes(method => $method, target => $target), 0);
	},
	# request lines and versions
	sub {
		my $line = pick(
			"GARBAGE\r\n\r\n", "GET\r\n\r\n", "GET  HTTP/1.1\r\nHost: a\r\n\r\n",
			"GET / HTTP/9.9\r\nHost: a\r\n\r\n", "GET / HTTP/1.1\r\n\r\n",
			"GET /healthz HTTP/1.1 extra\r\nHost: a\r\n\r\n",
			"GET http://127.0.0.1/nowhere HTTP/1.1\r\nHost: a\r\n\r\n",
			"GET /nowhere HTTP/1.1\nHost: a\n\n", "\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: a\r\n\r\n",
			"GET /\0nowhere HTTP/1.1\r\nHost: a\r\n\r\n",
			join('', map { chr(int rand 256) } 1 .. 1 + int rand 200) . "\r\n\r\n");
		return ($line, 0);
	},
	# headers
	sub {
		my $case = int rand 7;
		my @headers;
		my %part = (method => 'POST', body => '[{"n":3}]');
		if ($case == 0) { @headers = ('X-Big: ' . ('a' x (2 * 1024 * 1024)) . "\r\n") }
		elsif ($case == 1) { @headers = map { "X-H$_: v\r\n" } 1 .. 20_000 }
		elsif ($case == 2) { @headers = ("No colon here\r\n") }
		elsif ($case == 3)
		{
			$part{no_length} = 1;
			@headers = ("Content-Length: 9\r\n", "Content-Length: 3\r\n");
		}
		elsif ($case == 4)
		{
			$part{no_length} = 1;
			@headers = (pick("Content-Length: -1\r\n", "Content-Length: abc\r\n",
					"Content-Length: 99999999999999999999999\r\n"));
		}
		elsif ($case == 5)
		{
			$part{no_length} = 1;
			$part{body} = pick("zz\r\n[{}]\r\n0\r\n\r\n", "3\r\n[{}]\r\n0\r\n\r\n",
				"FFFFFFFFFFFFFFFF\r\n[\r\n0\r\n\r\n");
			@headers = ("Transfer-Encoding: chunked\r\n");
		}
		else
		{
			$part{no_content_type} = 1;
			@headers = (pick("Content-Type: text/json\r\n",
					"Content-Type: application/jsonx\r\n", "Content-Type:\r\n"));
		}
		return (request_bytes(%part, headers => \@headers), 0);
	},
	# names with invalid percent-encoding or UTF-8
	sub {
		my $name = pick(@bad_names);
		my $target = pick("/api/v2/pstreams/pstream/$name/data",
			"/api/v2/pstreams/pstream/$name",
			"/api/v2/pstreams/pstream/$name/stats");
		my $method = $target =~ m{/data$} ? pick('GET', 'POST') : 'GET';
		return (
			request_bytes(
				method => $method,
				target => $target,
				body => $method eq 'POST' ? '[{"n":1}]' : undef),
			0);
	},
	# duplicated, conflicting and invalid parameters
	sub {
		my $method = pick('GET', 'PUT', 'DELETE');
		my $query =
		  $method eq 'GET'
		  ? pick(@bad_queries, @bad_read_queries)
		  : pick(@bad_queries, @bad_write_queries);
		$query .= '&cfxql_query=%2A' if $method ne 'GET' && $query !~ /cfxql_query/;
		return (
			request_bytes(
				method => $method,
				target => "$data_path?$query",
				body => $method eq 'PUT' ? '{"s":"x"}' : undef),
			0);
	},
	# invalid bodies
	sub {
		my $body = pick(@bad_bodies);
		my $method = pick('POST', 'PUT', 'POST');
		my $target = $method eq 'PUT' ? "$data_path?cfxql_query=n%3D1" : $data_path;

		# An object is a valid update body.
		$body = '[1,2,3]' if $method eq 'PUT' && $body =~ /\A\{"not"/;
		$target = '/api/v2/pstreams' if rand() < 0.1;
		return (request_bytes(method => $method, target => $target, body => $body), 0);
	},
	# random mutations of valid requests; these may stay valid
	sub {
		my $bytes = pick(
			request_bytes(method => 'POST', body => '[{"n":5,"s":"five"}]'),
			request_bytes(target => "$data_path?cfxql_query=n%20%3D%201&limit=5"),
			request_bytes(method => 'PUT', target => "$data_path?cfxql_query=n%20%3D%209",
				body => '{"s":"nine"}'),
			request_bytes(target => '/api/v2/pstreams/pstream/h/stats'));
		# The Content-Length line and the body keep their lengths, so the
		# server never waits for body bytes that do not come.
		my $head_end = index($bytes, "Content-Length:");
		$head_end = index($bytes, "\r\n\r\n") if $head_end < 0;
		my $head = substr($bytes, 0, $head_end);
		my $rest = substr($bytes, $head_end);
		foreach (1 .. 1 + int rand 4)
		{
			my $action = int rand 4;
			if ($action == 0)
			{
				substr($head, int rand length $head, 1) = chr(int rand 256);
			}
			elsif ($action == 1)
			{
				substr($head, int rand length $head, 0) =
				  chr(int rand 256) x (1 + int rand 8);
			}
			elsif ($action == 2)
			{
				substr($head, int rand length $head, 1 + int rand 4) = '';
			}
			else
			{
				my $body_start = index($rest, "\r\n\r\n") + 4;
				substr($rest, $body_start + int rand(length($rest) - $body_start), 1) =
				  chr(int rand 256)
				  if length($rest) > $body_start;
			}
		}
		return ($head . $rest, 1);
	});
my @generator_names = (
	'method', 'request line', 'header', 'name', 'parameter', 'body', 'mutation');

# --- fuzz run ---
my (%outcomes, @server_errors, @no_detail, @unexpected_2xx, @malformed,
	@mhd_statuses);
my %mhd_allowed = map { $_ => 1 } (400, 413, 414, 431, 505);
my %seconds;
my $started = time;
foreach my $i (1 .. $request_count)
{
	my $kind = int rand @generators;
	my ($bytes, $may_succeed) = $generators[$kind]->();
	my $request_started = time;
	my $received = raw_request($server, $bytes, 4);
	$seconds{ $generator_names[$kind] } += time - $request_started;
	my $label = "request $i ($generator_names[$kind])";

	if (!defined $received || $received eq '')
	{
		$outcomes{"$generator_names[$kind]: closed"}++;
		next;
	}
	my $parsed = parse_response($received, $bytes =~ /\AHEAD /);
	if (!$parsed)
	{
		push @malformed, "$label: " . substr($received, 0, 60);
		next;
	}
	my $status = $parsed->{status};
	if (!defined $parsed->{headers}{'x-request-id'})
	{
		$outcomes{"$generator_names[$kind]: libmicrohttpd $status"}++;
		push @mhd_statuses, "$label: $status" unless $mhd_allowed{$status};
		next;
	}
	$outcomes{"$generator_names[$kind]: $status"}++;
	push @server_errors, "$label: $status $parsed->{body}" if $status >= 500;
	push @unexpected_2xx, "$label: $status " . substr($bytes, 0, 120)
	  if $status < 300 && !$may_succeed;
	# An answer to HEAD has no body, by HTTP.
	push @no_detail, "$label: $status"
	  if $status >= 400
	  && $bytes !~ /\AHEAD /
	  && !(ref $parsed->{json} eq 'HASH' && defined $parsed->{json}{detail});
}
note(sprintf('%d requests in %.1f s', $request_count, time - $started));
note("$_: $outcomes{$_}") foreach sort keys %outcomes;
note(sprintf('%s: %.1f s', $_, $seconds{$_})) foreach sort keys %seconds;

is_deeply(\@malformed, [], 'every answer is a complete HTTP response');
is_deeply(\@server_errors, [], 'pstreamd answers no malformed request with 5xx');
is_deeply(\@no_detail, [], 'every error answer of pstreamd has a JSON detail');
is_deeply(\@unexpected_2xx, [], 'only mutated valid requests succeed')
  or diag(join("\n", @unexpected_2xx));
is_deeply(\@mhd_statuses, [],
	'answers of libmicrohttpd itself are 400, 413, 414, 431 or 505');
ok(kill(0, $server->{pid}) && waitpid($server->{pid}, POSIX::WNOHANG) == 0,
	'pstreamd is still running after the fuzz run');

# --- named hostile bodies, each with its own check ---
my %named_bodies = (
	'array nested 100,000 deep' => '[' x 100_000 . ']' x 100_000,
	'object nested 100,000 deep' => '[' . ('{"a":' x 100_000) . '1' . ('}' x 100_000) . ']',
	'integer of 10,000 digits' => '[{"n":' . ('7' x 10_000) . '}]',
	'fraction of 10,000 digits' => '[{"n":0.' . ('3' x 10_000) . '}]',
	'number with 10,000-digit exponent' => '[{"n":1e' . ('9' x 10_000) . '}]',
	'invalid UTF-8 in a string' => qq([{"s":"\xc3\x28"}]),
	'invalid UTF-8 in a key' => qq([{"\xff":1}]));
foreach my $name (sort keys %named_bodies)
{
	my $answer = api($server, 'POST', $data_path, $named_bodies{$name});
	my $status = $answer->{status};
	ok($status == 201 || ($status >= 400 && $status < 500),
		"$name gets 201 or a 4xx (got $status)");
	ok($status == 201 || defined $answer->{json}{detail},
		"$name: an error answer has a detail");
}

# --- the server still serves ---
$response = api($server, 'POST', $data_path, '[{"n":100,"s":"after fuzz"}]');
is($response->{status}, 201, 'add after the fuzz run returns 201');
$response = api($server, 'GET', with_query($data_path, cfxql_query => 'n = 100'));
is($response->{status}, 200, 'read after the fuzz run returns 200');
is(stop_pstreamd($server), 0, 'pstreamd exits 0 after the fuzz run');

done_testing();
