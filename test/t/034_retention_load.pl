
# 034_retention_load.pl
#     Retention purge and VACUUM under load: two writers add records inside
#     and outside the retention window of a pstream and a reader queries it
#     through pstreamd, while pstreamd purges every second and the test
#     calls pstream_purge_expired() and VACUUM (ANALYZE) on the data table
#     in a loop. No request and no maintenance call may fail, every
#     acknowledged record inside the window must be present at the end, and
#     every record outside it must be gone.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use HTTP::Tiny;
use POSIX ();
use Time::HiRes qw(time sleep);
use FindBin;
use lib "$FindBin::Bin/../perl";
use PstreamTest;

my $seconds_of_load = 8;

my $node = start_node('retention');
$node->append_conf('postgresql.conf', 'log_statement = none');
$node->reload;
my $server = start_pstreamd($node, 'retention', '--pool-size=4',
	'--purge-interval=1');
my $data_path = '/api/v2/pstreams/pstream/ret/data';
my $results = "$PostgreSQL::Test::Utils::tmp_check/retention";
mkdir $results;

my $response = api($server, 'POST', '/api/v2/pstreams',
	'{"name":"ret","attributes":{"retention_days":1}}');
is($response->{status}, 201, 'create with retention_days 1 returns 201');

# ISO-8601 UTC time $seconds ago.
sub time_ago
{
	my ($seconds) = @_;
	return POSIX::strftime('%Y-%m-%dT%H:%M:%SZ', gmtime(time - $seconds));
}

# One batch of records: "recent" ones an hour old, inside the window, and
# "old" ones three days old, outside it.
sub batch_body
{
	my ($prefix, $count) = @_;
	my @records;
	foreach my $i (1 .. $count)
	{
		my $old = $i % 3 == 0;
		push @records,
		  sprintf('{"id":"%s-%d","kind":"%s","timestamp":"%s"}',
			$prefix, $i, $old ? 'old' : 'recent',
			time_ago($old ? 3 * 86400 : 3600));
	}
	return '[' . join(',', @records) . ']';
}

$response = api($server, 'POST', $data_path, batch_body('pre', 600));
is($response->{status}, 201, 'preload of 600 records returns 201');
my @acknowledged_ids = map { "pre-$_" } grep { $_ % 3 != 0 } 1 .. 600;

# A load child: writes "ok ID..." for each acknowledged add and "failed"
# lines for any other answer to its result file.
sub start_child
{
	my ($name, $work) = @_;
	my $pid = fork();
	die "fork failed: $!" unless defined $pid;
	return $pid if $pid;

	my $client = HTTP::Tiny->new(timeout => 60);
	open(my $file, '>', "$results/$name") or POSIX::_exit(1);
	$file->autoflush(1);
	my $deadline = time + $seconds_of_load;
	for (my $round = 1; time < $deadline; $round++)
	{
		$work->($client, $file, $round);
	}
	close($file);
	POSIX::_exit(0);
}

my @children;
foreach my $writer (1 .. 2)
{
	push @children, start_child(
		"writer$writer",
		sub {
			my ($client, $file, $round) = @_;
			my $prefix = "w$writer-$round";
			my $answer = $client->request('POST', "$server->{base}$data_path",
				{
					headers => { 'Content-Type' => 'application/json' },
					content => batch_body($prefix, 30)
				});
			if ($answer->{status} == 201)
			{
				print $file join(' ', 'ok',
					map { "$prefix-$_" } grep { $_ % 3 != 0 } 1 .. 30), "\n";
			}
			else
			{
				print $file "failed add $answer->{status} $answer->{content}\n";
			}
		});
}
push @children, start_child(
	'reader',
	sub {
		my ($client, $file, $round) = @_;
		my $path = $round % 2
		  ? "$data_path?cfxql_query=" . uri_escape("kind = 'recent'") . '&limit=200'
		  : '/api/v2/pstreams/pstream/ret/stats';
		my $answer = $client->get("$server->{base}$path");
		print $file "failed read $answer->{status} $answer->{content}\n"
		  unless $answer->{status} == 200;
	});

# --- purge and VACUUM while the children run ---
my (@maintenance_errors, $purges, $vacuums);
my $started = time;
while (time - $started < $seconds_of_load)
{
	my ($status, $stdout, $stderr) =
	  $node->psql('postgres', 'SELECT * FROM pstream_purge_expired()');
	push @maintenance_errors, "purge: $stderr" if $status != 0;
	$purges++;
	($status, $stdout, $stderr) =
	  $node->psql('postgres', 'VACUUM (ANALYZE) pstream_data.ret');
	push @maintenance_errors, "vacuum: $stderr" if $status != 0;
	$vacuums++;
}
waitpid($_, 0) foreach @children;
note("$purges purges and $vacuums VACUUM runs during the load");

my @request_failures;
foreach my $name ('writer1', 'writer2', 'reader')
{
	foreach my $line (split /\n/, slurp_file("$results/$name"))
	{
		if ($line =~ /^ok (.*)/)
		{
			push @acknowledged_ids, split / /, $1;
		}
		else
		{
			push @request_failures, "$name: $line";
		}
	}
}
is_deeply(\@maintenance_errors, [], 'no purge or VACUUM failed during the load');
is_deeply(\@request_failures, [], 'no request failed during the purges');
cmp_ok(scalar @acknowledged_ids, '>', 400 + 2 * 20,
	'the writers added records during the load');
unlike(server_log($server), qr/ ERROR /, 'pstreamd logged no error');

# --- the window: recent records all present, old ones all gone ---
my ($status) = $node->psql('postgres', 'SELECT * FROM pstream_purge_expired()');
is($status, 0, 'a last purge after the load succeeds');
my %present = map { $_ => 1 } split /\n/,
  $node->safe_psql('postgres',
	q(SELECT r->>'id' FROM pstream_select('ret') r WHERE r->>'kind' = 'recent'));
my @missing = grep { !$present{$_} } @acknowledged_ids;
is_deeply(\@missing, [], 'every acknowledged record inside the window is present');
is(scalar(keys %present), scalar @acknowledged_ids,
	'no other record inside the window is present');
is($node->safe_psql('postgres',
		q(SELECT count(*) FROM pstream_select('ret') r WHERE r->>'kind' = 'old')),
	'0', 'every record outside the window is purged');

is(stop_pstreamd($server), 0, 'pstreamd exits 0');

done_testing();
