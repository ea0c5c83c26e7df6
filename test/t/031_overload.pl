
# 031_overload.pl
#     Overload tests of pstreamd: 500 concurrent clients against a pool of
#     16 database connections. Each answer must be a complete HTTP
#     response with a JSON body: a success, or 503 with Retry-After and a
#     detail when a request found no free connection within --pool-timeout.
#     Then the same with every pool connection blocked by a table lock, so
#     that the pool timeout must refuse the waiting requests, and a server
#     whose --max-connections is below the number of clients, which closes
#     the connections over the limit without an answer (libmicrohttpd
#     0.9.75 gives no way to answer them). The memory of pstreamd must stay
#     bounded and the server must serve normally afterwards.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use POSIX ();
use Time::HiRes qw(time sleep);
use FindBin;
use lib "$FindBin::Bin/../perl";
use PstreamTest;

my $clients = 500;
my $sanitized = defined $ENV{ASAN_OPTIONS};

my $node = start_node('overload');
$node->append_conf('postgresql.conf', "max_connections = 60\nlog_statement = none");
$node->restart;
my $server = start_pstreamd($node, 'overload', '--pool-size=16',
	'--pool-timeout=2000', '--connection-timeout=30', '--purge-interval=0');
my $data_path = '/api/v2/pstreams/pstream/load/data';

my $response = api($server, 'POST', '/api/v2/pstreams', '{"name":"load"}');
is($response->{status}, 201, 'create returns 201');
$response = api($server, 'POST', $data_path,
	'[' . join(',', map { qq({"n":$_,"text":"record $_"}) } 1 .. 200) . ']');
is($response->{status}, 201, 'add of 200 records returns 201');

# A raw request that closes the connection after the answer.
sub request_text
{
	my ($method, $path, $body) = @_;
	my $text = "$method $path HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
	if (defined $body)
	{
		$text .= "Content-Type: application/json\r\nContent-Length: "
		  . length($body) . "\r\n";
	}
	return "$text\r\n" . ($body // '');
}

# Classify the answers: status counts, and the problems found.
sub check_answers
{
	my ($answers) = @_;
	my (%statuses, @malformed, @no_retry_after, @no_detail);

	foreach my $i (0 .. $#$answers)
	{
		my $bytes = $answers->[$i];
		if (!defined $bytes || $bytes eq '')
		{
			$statuses{closed}++;
			next;
		}
		my $parsed = parse_response($bytes);
		if (!$parsed || !defined $parsed->{json})
		{
			push @malformed, "client $i: " . substr($bytes, 0, 80);
			next;
		}
		$statuses{ $parsed->{status} }++;
		next if $parsed->{status} < 300;
		push @no_detail, "client $i: $parsed->{status}"
		  unless ref $parsed->{json} eq 'HASH' && defined $parsed->{json}{detail};
		push @no_retry_after, "client $i"
		  if $parsed->{status} == 503
		  && ($parsed->{headers}{'retry-after'} // '') !~ /^\d+$/;
	}
	return (\%statuses, \@malformed, \@no_retry_after, \@no_detail);
}

my $rss_before = process_rss_kb($server->{pid});

# --- 500 concurrent reads and adds on a pool of 16 ---
{
	my @requests = map {
		$_ % 4 == 0
		  ? request_text('POST', $data_path, qq([{"client":$_}]))
		  : request_text('GET', "$data_path?limit=50&sort=n")
	} 1 .. $clients;
	my $started = time;
	my ($statuses, $malformed, $no_retry_after, $no_detail) =
	  check_answers(concurrent_requests($server, \@requests, 120));
	note(sprintf('%d clients in %.1f s: %s', $clients, time - $started,
			join(', ', map { "$_ x$statuses->{$_}" } sort keys %$statuses)));
	is_deeply($malformed, [], 'every answer is HTTP with a JSON body');
	is_deeply($no_detail, [], 'every error answer has a detail');
	is_deeply($no_retry_after, [], 'every 503 has Retry-After');
	my @unexpected = grep { !/^(200|201|503)$/ } keys %$statuses;
	is_deeply(\@unexpected, [], 'answers are 200, 201 or 503');
	cmp_ok(($statuses->{200} // 0) + ($statuses->{201} // 0), '>=',
		$clients / 2, 'most of the 500 requests succeed');
}

# --- every pool connection blocked: the others get 503 after the pool timeout ---
{
	my $locker = $node->background_psql('postgres');
	$locker->query_safe('BEGIN');
	$locker->query_safe('LOCK TABLE pstream_data.load IN ACCESS EXCLUSIVE MODE');

	my @requests =
	  map { request_text('GET', "$data_path?limit=10") } 1 .. $clients;
	my $pid = fork();
	die "fork failed: $!" unless defined $pid;
	my $started = time;
	my $answers_file = "$PostgreSQL::Test::Utils::tmp_check/blocked_answers";
	if ($pid == 0)
	{
		my $answers = concurrent_requests($server, \@requests, 120);
		open(my $file, '>', $answers_file) or POSIX::_exit(1);
		binmode $file;
		print $file json_codec()->encode($answers);
		close($file);
		POSIX::_exit(0);
	}
	# Release the lock after the pool timeout has refused the waiting
	# requests, so the 16 blocked ones finish with 200.
	sleep(4);
	my $in_use = pstreamd_metric($server, 'pstreamd_pool_connections_in_use');
	$locker->query_safe('COMMIT');
	$locker->quit;
	waitpid($pid, 0);
	my $answers = json_codec()->decode(slurp_file($answers_file));

	my ($statuses, $malformed, $no_retry_after, $no_detail) =
	  check_answers($answers);
	note(sprintf('%d blocked clients in %.1f s: %s', $clients, time - $started,
			join(', ', map { "$_ x$statuses->{$_}" } sort keys %$statuses)));
	is($in_use, 16, 'the locked table holds all 16 pool connections');
	is_deeply($malformed, [], 'every answer under a full pool is HTTP with a JSON body');
	is_deeply($no_detail, [], 'every error answer under a full pool has a detail');
	is_deeply($no_retry_after, [], 'every 503 under a full pool has Retry-After');
	cmp_ok($statuses->{503} // 0, '>=', $clients - 16 - 5,
		'requests that found no connection get 503');
	cmp_ok($statuses->{200} // 0, '>=', 16, 'the blocked requests finish with 200');
	my @unexpected = grep { !/^(200|503)$/ } keys %$statuses;
	is_deeply(\@unexpected, [], 'answers under a full pool are 200 or 503');
	cmp_ok(pstreamd_metric($server, 'pstreamd_pool_timeouts_total'), '>', 0,
		'pool timeouts are counted in the metrics');
	like(server_log($server), qr/no free database connection within 2000 ms/,
		'the pool timeout is logged');
}

# --- memory and normal service afterwards ---
{
	my $rss_after = process_rss_kb($server->{pid});
	note("pstreamd VmRSS: $rss_before kB before, $rss_after kB after");
	# Each of 500 connection threads touches some stack and connection
	# memory, which the C library may keep; the bound catches a leak of
	# a request body or response per request, not a few MiB of caches.
	cmp_ok($rss_after - $rss_before, '<', ($sanitized ? 512 : 128) * 1024,
		'pstreamd memory stays bounded');
	is(pstreamd_metric($server, 'pstreamd_pool_connections_in_use'), 0,
		'no pool connection stays in use');
	$response = api($server, 'POST', $data_path, '[{"marker":1}]');
	is($response->{status}, 201, 'add after the overload returns 201');
	$response = api($server, 'GET', with_query($data_path, cfxql_query => 'marker = 1'));
	is($response->{status}, 200, 'read after the overload returns 200')
	  or diag($response->{content});
	is(scalar @{ $response->{json}{pstream_data} // [] }, 1,
		'read after the overload finds the record');
}

# --- more clients than --max-connections ---
{
	my $limited = start_pstreamd($node, 'limited', '--pool-size=4',
		'--max-connections=50', '--purge-interval=0');
	my @requests =
	  map { request_text('GET', "$data_path?limit=10") } 1 .. 200;
	my ($statuses, $malformed, $no_retry_after, $no_detail) =
	  check_answers(concurrent_requests($limited, \@requests, 60));
	note('200 clients, 50 connections: '
		  . join(', ', map { "$_ x$statuses->{$_}" } sort keys %$statuses));
	is_deeply($malformed, [],
		'over --max-connections, every answer is complete or the connection is closed without one');
	cmp_ok($statuses->{closed} // 0, '>', 0,
		'connections over --max-connections are closed');
	# The limit counts open connections, and a few of the 50 may still be
	# closing when the next ones arrive.
	cmp_ok($statuses->{200} // 0, '>=', 40, 'connections within the limit get 200');
	$response = http_client()->get("$limited->{base}/healthz");
	is($response->{status}, 200, 'the limited server serves normally afterwards');
	is(stop_pstreamd($limited), 0, 'the limited server exits 0');
}

is(stop_pstreamd($server), 0, 'pstreamd exits 0 after the overload');

done_testing();
