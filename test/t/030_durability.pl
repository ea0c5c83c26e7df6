
# 030_durability.pl
#     Crash test of pstreamd and PostgreSQL: a writer process sends adds,
#     whole-batch updates and deletes by query through pstreamd while the
#     test kills, at random moments, the postmaster (SIGKILL or an immediate
#     stop), one PostgreSQL backend of pstreamd (SIGKILL, which makes the
#     postmaster restart every backend) or pstreamd itself (SIGKILL), and
#     starts what it killed again. Afterwards every batch must be all or
#     nothing.
#
#     "Acknowledged" means that the writer received a 2xx response. pstreamd
#     sends it only after the function call returned, and with --auth=off
#     each call is one autocommit statement, so the commit is done and, with
#     synchronous_commit on (the default), its WAL is written. The test
#     clusters run with fsync off, which does not matter here: a killed
#     process leaves its written WAL in the kernel's page cache, and only an
#     operating system crash, which this test cannot cause, would lose it.
#
#     Rules checked per batch, where n is the batch's record count:
#     - an add is stored with 0 or n records, never a part, and never twice;
#     - an acknowledged add of a batch that no delete targets has n records;
#     - an update sets its field on 0 or all records of the batch, and on
#       all of them when both the update and the add were acknowledged;
#     - a batch whose delete and add were acknowledged has 0 records.
#     An add that was not acknowledged may still commit after a later
#     request ran (a backend of a killed pstreamd finishes its statement),
#     which is why the last two rules need the add acknowledged.
#
#     PSTREAM_TEST_SEED replays a run; the seed is printed at the start.
#     PSTREAM_KILL_POINTS sets the number of kill points (default 24, and
#     20 against an AddressSanitizer build, which restarts more slowly).

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use HTTP::Tiny;
use List::Util qw(shuffle);
use POSIX ();
use Time::HiRes qw(time sleep);
use FindBin;
use lib "$FindBin::Bin/../perl";
use PstreamTest;

my $seed = $ENV{PSTREAM_TEST_SEED} // int(time * 1000) % 1_000_000_000;
my $sanitized = defined $ENV{ASAN_OPTIONS};
my $kill_points = $ENV{PSTREAM_KILL_POINTS} // ($sanitized ? 20 : 24);
diag("seed $seed (set PSTREAM_TEST_SEED=$seed to replay), $kill_points kill points");
srand($seed);

my $node = start_node('durability');

# The test cluster logs every statement with its parameters, which are
# large request bodies here.
$node->append_conf('postgresql.conf', 'log_statement = none');
$node->reload;
my $server = start_pstreamd($node, 'durability', '--pool-size=4',
	'--purge-interval=0');
my $port = $server->{port};
my $data_path = '/api/v2/pstreams/pstream/batches/data';

my $response = api($server, 'POST', '/api/v2/pstreams', '{"name":"batches"}');
is($response->{status}, 201, 'create returns 201');

my $journal = "$PostgreSQL::Test::Utils::tmp_check/durability.journal";
my $stop_file = "$PostgreSQL::Test::Utils::tmp_check/durability.stop";

# The writer: one request at a time, each with a fresh operation number,
# and a journal line before it is sent and after its answer. It never
# retries, so each batch id is sent once.
sub run_writer
{
	my ($writer_seed) = @_;
	srand($writer_seed);
	my $client = HTTP::Tiny->new(timeout => 60, keep_alive => 0);
	my $base = "http://127.0.0.1:$port";
	my (@batches, %updated, %deleted);
	open(my $log, '>>', $journal) or POSIX::_exit(2);
	$log->autoflush(1);

	for (my $op = 1; !-e $stop_file; $op++)
	{
		my $choice = rand;
		my @updatable = grep { !$deleted{$_} } @batches;
		my @deletable = grep { !$deleted{$_} && !$updated{$_} } @batches;
		my ($kind, $target, $count, $answer);

		if ($choice < 0.25 && @updatable)
		{
			($kind, $target) = ('update', $updatable[ int rand @updatable ]);
			$updated{$target} = 1;
			print $log "start $op update $target\n";
			$answer = $client->request('PUT',
				"$base$data_path?cfxql_query=" . uri_escape("batch = '$target'"),
				{
					headers => { 'Content-Type' => 'application/json' },
					content => qq({"upd_$op":$op})
				});
		}
		elsif ($choice < 0.40 && @deletable)
		{
			($kind, $target) = ('delete', $deletable[ int rand @deletable ]);
			$deleted{$target} = 1;
			print $log "start $op delete $target\n";
			$answer = $client->request('DELETE',
				"$base$data_path?cfxql_query=" . uri_escape("batch = '$target'"));
		}
		else
		{
			$target = "b$op";
			$count = 50 + int rand 1500;
			push @batches, $target;
			my $pad = 'x' x 100;
			my $body = '['
			  . join(',',
				map { qq({"batch":"$target","seq":$_,"pad":"$pad"}) }
				  1 .. $count) . ']';
			print $log "start $op add $target $count\n";
			$answer = $client->request('POST', "$base$data_path",
				{
					headers => { 'Content-Type' => 'application/json' },
					content => $body
				});
		}
		print $log "end $op $answer->{status}\n";

		# pstreamd is down: do not spin through operation numbers.
		sleep(0.05) if $answer->{status} == 599 || $answer->{status} == 503;
	}
	close($log);
	POSIX::_exit(0);
}

# Parse the journal into operations keyed by number.
sub read_journal
{
	my %operations;
	open(my $file, '<', $journal) or return {};
	while (my $line = <$file>)
	{
		if ($line =~ /^start (\d+) (\w+) (\S+)(?: (\d+))?$/)
		{
			$operations{$1} = { kind => $2, batch => $3, count => $4 };
		}
		elsif ($line =~ /^end (\d+) (\d+)$/)
		{
			$operations{$1}{status} = $2;
		}
	}
	close($file);
	return \%operations;
}

sub acknowledged
{
	my ($operation) = @_;
	return defined $operation->{status}
	  && $operation->{status} >= 200
	  && $operation->{status} < 300;
}

# Number of acknowledged operations in the journal.
sub acknowledged_count
{
	my $operations = read_journal();
	return scalar grep { acknowledged($_) } values %$operations;
}

# Wait until the writer gets one more acknowledgement than $before.
sub wait_for_progress
{
	my ($before) = @_;
	my $deadline = time + $PostgreSQL::Test::Utils::timeout_default;
	while (time < $deadline)
	{
		return 1 if acknowledged_count() > $before;
		sleep(0.05);
	}
	return 0;
}

# Start the postmaster again after it was killed. A killed postmaster's
# pid must be gone first, or pg_ctl takes its postmaster.pid for a
# running server. That includes a zombie that its parent (the process
# that reaps orphans) has not reaped yet. Backends orphaned by a SIGKILL of the postmaster
# keep the shared memory until they notice, so the start is retried.
sub restart_postmaster
{
	my ($old_pid) = @_;
	my $deadline = time + $PostgreSQL::Test::Utils::timeout_default;
	sleep(0.05) while kill(0, $old_pid) && time < $deadline;
	while (time < $deadline)
	{
		return 1 if $node->start(fail_ok => 1);
		sleep(0.2);
	}
	return 0;
}

unlink $journal, $stop_file;
my $writer = fork();
die "fork failed: $!" unless defined $writer;
run_writer($seed + 1) if $writer == 0;

# A test that dies must not leave the writer running.
END
{
	kill 'KILL', $writer if $writer;
}

# --- kill points ---
my @kinds = map { ('postmaster', 'backend', 'pstreamd') } 1 .. $kill_points;
@kinds = (shuffle(@kinds))[ 0 .. $kill_points - 1 ];
my (%kills, @stalls);
my $started = time;
ok(wait_for_progress(0), 'writer gets a first acknowledgement');

foreach my $point (1 .. $kill_points)
{
	my $kind = $kinds[ $point - 1 ];
	my $before = acknowledged_count();

	# Kill while a request is in flight most of the time: a request takes
	# from a few to a few hundred milliseconds.
	sleep(rand 0.4);
	if ($kind eq 'postmaster')
	{
		my $old_pid = (split /\n/,
			slurp_file($node->data_dir . '/postmaster.pid'))[0];
		if (rand() < 0.5)
		{
			$node->kill9;
		}
		else
		{
			$node->stop('immediate');
		}
		push @stalls, "postmaster restart at kill point $point"
		  unless restart_postmaster($old_pid);
	}
	elsif ($kind eq 'backend')
	{
		my $pids = $node->safe_psql('postgres',
			q(SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE application_name = 'pstreamd'));
		my @backends = split ' ', $pids;
		kill 'KILL', $backends[ int rand @backends ] if @backends;
	}
	else
	{
		stop_pstreamd($server, 'KILL');
		$server = start_pstreamd($node, 'durability', { port => $port },
			'--pool-size=4', '--purge-interval=0');
	}
	$kills{$kind}++;

	# pstreamd must serve again without a restart of its own after a
	# database crash.
	push @stalls, "no acknowledgement after kill point $point ($kind)"
	  unless wait_for_progress($before);
}

open(my $stop, '>', $stop_file) or die "cannot create $stop_file: $!";
close($stop);
waitpid($writer, 0);
is($?, 0, 'writer exits cleanly');
$writer = undef;
note(sprintf('%d kill points in %.1f s: %s', $kill_points, time - $started,
		join(', ', map { "$_ $kills{$_}" } sort keys %kills)));

cmp_ok($kills{$_} // 0, '>=', 1, "at least one kill of the $_")
  foreach ('postmaster', 'backend', 'pstreamd');
my $total_kills = 0;
$total_kills += $_ foreach values %kills;
cmp_ok($total_kills, '>=', 20, 'at least 20 kill points');
is_deeply(\@stalls, [], 'every restart serves acknowledged requests again');

# --- check every batch ---
my $operations = read_journal();
my (%stored, %distinct, %update_counts);
foreach my $row (
	split /\n/,
	$node->safe_psql(
		'postgres',
		q(SELECT r->>'batch', count(*), count(DISTINCT r->>'seq') FROM pstream_select('batches') r GROUP BY 1)
	))
{
	my ($batch, $count, $distinct) = split /\|/, $row;
	$stored{$batch} = $count;
	$distinct{$batch} = $distinct;
}
foreach my $row (
	split /\n/,
	$node->safe_psql(
		'postgres',
		q(SELECT key, r->>'batch', count(*) FROM pstream_select('batches') r, jsonb_object_keys(r) key WHERE key LIKE 'upd\_%' GROUP BY 1, 2)
	))
{
	my ($key, $batch, $count) = split /\|/, $row;
	$update_counts{$key}{$batch} = $count;
}

my (%add_of, %delete_of, %statuses);
foreach my $number (sort { $a <=> $b } keys %$operations)
{
	my $operation = $operations->{$number};
	$statuses{ $operation->{status} // 'none' }++;
	$add_of{ $operation->{batch} } = $operation if $operation->{kind} eq 'add';
	$delete_of{ $operation->{batch} } = $operation
	  if $operation->{kind} eq 'delete';
}
note('answers: ' . join(', ', map { "$_ x$statuses{$_}" } sort keys %statuses));
my @unexpected = grep { !/^(200|201|503|599|none)$/ } keys %statuses;
is_deeply(\@unexpected, [],
	'every answer is 2xx, 503 or no answer (599 is a closed connection)');

my (@partial, @duplicated, @lost, @not_deleted, @partial_update, @lost_update);
my %counts_by_kind;
foreach my $batch (sort keys %add_of)
{
	my $add = $add_of{$batch};
	my $count = $stored{$batch} // 0;
	$counts_by_kind{ acknowledged($add) ? 'acknowledged adds' : 'unacknowledged adds' }++;
	push @partial, "$batch: $count of $add->{count}"
	  unless $count == 0 || $count == $add->{count};
	push @duplicated, "$batch: $count records, $distinct{$batch} distinct"
	  if $count && $distinct{$batch} != $count;
	push @lost, "$batch: $count of $add->{count}"
	  if acknowledged($add) && !$delete_of{$batch} && $count != $add->{count};
	push @not_deleted, "$batch: $count records"
	  if $delete_of{$batch}
	  && acknowledged($delete_of{$batch})
	  && acknowledged($add)
	  && $count != 0;
}
foreach my $number (keys %$operations)
{
	my $update = $operations->{$number};
	next unless $update->{kind} eq 'update';
	my $batch = $update->{batch};
	my $add = $add_of{$batch};
	my $count = $stored{$batch} // 0;
	my $set = $update_counts{"upd_$number"}{$batch} // 0;
	$counts_by_kind{ acknowledged($update) ? 'acknowledged updates' : 'unacknowledged updates' }++;
	push @partial_update, "upd_$number on $batch: $set of $count"
	  unless $set == 0 || $set == $count;
	push @lost_update, "upd_$number on $batch: $set of $count"
	  if acknowledged($update) && acknowledged($add) && $set != $count;
}
foreach my $delete (values %delete_of)
{
	$counts_by_kind{ acknowledged($delete) ? 'acknowledged deletes' : 'unacknowledged deletes' }++;
}
note('operations: ' . join(', ', map { "$_ $counts_by_kind{$_}" } sort keys %counts_by_kind));

cmp_ok($counts_by_kind{'acknowledged adds'} // 0, '>', 0, 'some adds were acknowledged');
cmp_ok($counts_by_kind{'acknowledged updates'} // 0, '>', 0, 'some updates were acknowledged');
cmp_ok($counts_by_kind{'acknowledged deletes'} // 0, '>', 0, 'some deletes were acknowledged');
is_deeply(\@partial, [], 'no add is stored in part');
is_deeply(\@duplicated, [], 'no record is stored twice');
is_deeply(\@lost, [], 'every acknowledged add is stored in full');
is_deeply(\@partial_update, [], 'no update changed part of a batch');
is_deeply(\@lost_update, [], 'every acknowledged update changed the whole batch');
is_deeply(\@not_deleted, [], 'every acknowledged delete removed the whole batch');
my @strays = grep { !$add_of{$_} } keys %stored;
is_deeply(\@strays, [], 'no records of unknown batches');

# --- normal service afterwards ---
$response = api($server, 'POST', $data_path, '[{"batch":"after","seq":1}]');
is($response->{status}, 201, 'add after the crashes returns 201');
$response = api($server, 'GET',
	with_query($data_path, cfxql_query => q(batch = 'after')));
is($response->{status}, 200, 'read after the crashes returns 200');
is(scalar @{ $response->{json}{pstream_data} // [] }, 1,
	'read after the crashes finds the new record');

done_testing();
