#!/usr/bin/perl
# load.pl: load generator and consistency check of the soak test (make soak).
#
# Several client processes (fork) send mixed traffic to one pstreamd for a
# fixed time: adds, merges by unique key, updates and deletes by CFXQL query,
# reads and aggregates, and requests that must fail with a given 4xx status
# (409 included). Every client writes only records whose `client` field is its
# own number and whose identity (`id` or `key`) starts with "c<number>-", and
# every query it sends starts with `client = <number>`. So each client keeps an exact model of
# its records without talking to the others, and checks every answer against
# that model at the moment it arrives: counts of added, merged, updated,
# unchanged and deleted records, whole records and total_count of reads, and
# every aggregate value. At the end each client pages through all its records
# and compares them field by field with its model, and the parent compares the
# pstreams' stats (docs_count) with the sum of the models.
#
# Two pstreams are shared by all clients, so the clients' requests run
# concurrently on the same tables: soak-events (no unique keys, records
# identified by `id`) and soak-merge (unique_keys ["key"]).
#
# Perl with core modules only (HTTP::Tiny, JSON::PP, Time::HiRes, POSIX,
# Getopt::Long): it runs wherever the TAP tests run, with no extra package,
# and fork gives independent clients with their own connection. JSON::PP is
# slow, so the clients use CPU time of their own. On a small machine they
# share the cores with pstreamd and PostgreSQL, so the request rates are lower
# than pstreamd alone would reach.
#
# Output, in the folder given by --out:
#   requests-<client>.tsv  one line per request: kind, status, milliseconds,
#                          seconds since the start of the run
#   errors-<client>.tsv    one line per unexpected outcome: category, kind,
#                          detail (connection, status, response, mismatch)
#   client-<client>.json   model sizes and the final check of that client
#   summary.json           the seed, the clients and the global check
#
# Usage: load.pl --url http://127.0.0.1:8080 --out DIR [--clients 6]
#        [--minutes 30] [--seed N]
# Exit status 0 when there was no unexpected outcome and the final check
# passed, 1 otherwise, 2 on a usage error.

use strict;
use warnings;

use Getopt::Long ();
use HTTP::Tiny;
use JSON::PP;
use POSIX ();
use Time::HiRes ();

my %option = (clients => 6, minutes => 30, seed => time());
Getopt::Long::GetOptions(\%option, 'url=s', 'out=s', 'clients=i',
	'minutes=f', 'seed=i')
  or exit 2;
if (!$option{url} || !$option{out} || $option{clients} < 1 || $option{minutes} <= 0)
{
	print STDERR "usage: load.pl --url URL --out DIR [--clients N] [--minutes M] [--seed N]\n";
	exit 2;
}

my $json = JSON::PP->new->utf8->canonical;
my $api = "$option{url}/api/v2";
my %stream = (
	events => { name => 'soak-events', identity => 'id' },
	merge => { name => 'soak-merge', identity => 'key' },
);

# Weights of the operations that a client picks at random.
my @operation_weights = (
	[ add => 14 ],
	[ merge => 14 ],
	[ update => 12 ],
	[ delete => 8 ],
	[ read => 22 ],
	[ page => 8 ],
	[ aggregate => 14 ],
	[ expected_error => 8 ],
);

# Fields whose values the generator always sends as JSON numbers. Perl turns
# a number into a string once it is used as one, so the comparison forces
# them back to numbers on the model side only.
my @numeric_fields = qw(client bucket n level);

my @statuses = ('open', 'closed', 'acknowledged', 'suppressed', "r\x{e9}solu",
	q(it's "quoted"));

# The start and end of the run, in seconds since the epoch.
my $start_time = Time::HiRes::time();
my $deadline = $start_time + 60 * $option{minutes};

# State of one client process: its number, HTTP client, models and output
# files (set in run_client).
my $self;

my %operations = (
	add => \&operation_add,
	merge => \&operation_merge,
	update => \&operation_update,
	delete => \&operation_delete,
	read => \&operation_read,
	page => \&operation_page,
	aggregate => \&operation_aggregate,
	expected_error => \&operation_expected_error,
);

main();

sub main
{
	my $http = HTTP::Tiny->new(timeout => 120, keep_alive => 1);
	create_pstreams($http);

	printf "load.pl: %d clients for %.1f minutes, seed %d\n", $option{clients},
	  $option{minutes}, $option{seed};
	my %children;
	for my $client (1 .. $option{clients})
	{
		my $pid = fork() // die "load.pl: fork failed: $!\n";
		if ($pid == 0)
		{
			my $status = run_client($client);
			POSIX::_exit($status);
		}
		$children{$pid} = $client;
	}

	my $failed_clients = 0;
	while ((my $pid = wait()) > 0)
	{
		next unless exists $children{$pid};
		if ($? != 0)
		{
			$failed_clients++;
			printf "load.pl: client %d exited with status %d\n", $children{$pid}, $? >> 8;
		}
	}

	my $summary = check_totals(HTTP::Tiny->new(timeout => 120));
	$summary->{seed} = $option{seed};
	$summary->{clients} = $option{clients};
	$summary->{minutes} = $option{minutes};
	$summary->{start_time} = int($start_time);
	$summary->{end_time} = int(Time::HiRes::time());
	$summary->{failed_clients} = $failed_clients;
	write_file("$option{out}/summary.json", $json->encode($summary));

	my $ok = $failed_clients == 0 && $summary->{totals_ok};
	print "load.pl: ", ($ok ? "passed" : "FAILED"), "\n";
	exit($ok ? 0 : 1);
}

# Creates the two pstreams; they must not exist yet.
sub create_pstreams
{
	my ($http) = @_;
	for my $body ({ name => 'soak-events' },
		{ name => 'soak-merge', attributes => { unique_keys => ['key'] } })
	{
		my $response = $http->request('POST', "$api/pstreams",
			{ headers => { 'Content-Type' => 'application/json' }, content => $json->encode($body) });
		die "load.pl: creating pstream $body->{name} failed: $response->{status} $response->{content}\n"
		  unless $response->{status} == 201;
	}
}

# Compares the pstreams' docs_count and total_count with the sum of the
# clients' models.
sub check_totals
{
	my ($http) = @_;
	my %model_total = (events => 0, merge => 0);
	my @final_failures;
	for my $client (1 .. $option{clients})
	{
		my $path = "$option{out}/client-$client.json";
		my $result = -e $path ? $json->decode(read_file($path)) : undef;
		if (!$result)
		{
			push @final_failures, "client $client wrote no result";
			next;
		}
		$model_total{$_} += $result->{model_size}{$_} for keys %model_total;
		push @final_failures, "client $client: final check failed" unless $result->{final_ok};
	}

	my %totals;
	for my $which (sort keys %stream)
	{
		my $name = $stream{$which}{name};
		my $stats = $http->get("$api/pstreams/pstream/$name/stats");
		my $docs = 0;
		if ($stats->{status} == 200)
		{
			$docs += $_->{docs_count} for @{ $json->decode($stats->{content})->{Stats} };
		}
		else
		{
			push @final_failures, "stats of $name returned $stats->{status}";
		}
		my $read = $http->get("$api/pstreams/pstream/$name/data?limit=1");
		my $total_count = $read->{status} == 200 ? $json->decode($read->{content})->{total_count} : -1;
		$totals{$which} = { model => $model_total{$which}, docs_count => $docs, total_count => $total_count };
		push @final_failures, "$name: docs_count $docs, total_count $total_count, model $model_total{$which}"
		  unless $docs == $model_total{$which} && $total_count == $model_total{$which};
	}
	return { totals => \%totals, final_failures => \@final_failures,
		totals_ok => @final_failures ? JSON::PP::false : JSON::PP::true };
}

# ---------------------------------------------------------------- one client

# Runs the operations of one client until the deadline, then its final check.
# Returns the exit status of the client process.
sub run_client
{
	my ($client) = @_;
	srand($option{seed} + 1_000_003 * $client);
	$self = {
		client => $client,
		http => HTTP::Tiny->new(timeout => 120, keep_alive => 1),
		model => { events => {}, merge => {} },
		rda_id => {},    # key of soak-merge -> its _RDA_Id, learned from reads
		next_id => 0,
		unexpected => 0,
	};
	open($self->{requests}, '>', "$option{out}/requests-$client.tsv") or die "load.pl: $!\n";
	open($self->{errors}, '>:encoding(UTF-8)', "$option{out}/errors-$client.tsv") or die "load.pl: $!\n";

	my $total_weight = 0;
	$total_weight += $_->[1] for @operation_weights;
	while (Time::HiRes::time() < $deadline)
	{
		my $pick = rand($total_weight);
		my $operation;
		for (@operation_weights)
		{
			$operation = $_->[0];
			last if ($pick -= $_->[1]) < 0;
		}
		# Deletes keep the events model near a few thousand records.
		$operation = 'delete' if keys %{ $self->{model}{events} } > 5000 && $operation eq 'add';
		$operations{$operation}->();
	}

	my $final_ok = final_check();
	my %model_size = map { $_ => scalar keys %{ $self->{model}{$_} } } keys %stream;
	write_file("$option{out}/client-$client.json",
		$json->encode({ client => $client, model_size => \%model_size,
			unexpected => $self->{unexpected},
			final_ok => $final_ok ? JSON::PP::true : JSON::PP::false }));
	close($self->{requests});
	close($self->{errors});
	return ($final_ok && $self->{unexpected} == 0) ? 0 : 1;
}

# Sends one request and logs it. Returns the response with `json` decoded
# when the status is the expected one, or undef after logging the error.
sub call
{
	my ($kind, $method, $path, $query, $body, $expected_status) = @_;
	my $url = "$api$path";
	$url .= '?' . join('&', map { uri_escape($_->[0]) . '=' . uri_escape($_->[1]) } @$query) if @$query;
	my %request_options;
	if (defined $body)
	{
		$request_options{headers} = { 'Content-Type' => 'application/json' };
		$request_options{content} = ref $body ? $json->encode($body) : $body;
	}

	my $start = Time::HiRes::time();
	my $response = $self->{http}->request($method, $url, \%request_options);
	my $milliseconds = 1000 * (Time::HiRes::time() - $start);
	printf { $self->{requests} } "%s\t%d\t%.1f\t%.0f\n", $kind, $response->{status}, $milliseconds,
	  $start - $start_time;

	if ($response->{status} == 599)
	{
		unexpected('connection', $kind, "$method $url: " . first_line($response->{content}));
		return undef;
	}
	if ($response->{status} != $expected_status)
	{
		unexpected('status', $kind,
			"$method $url returned $response->{status}, expected $expected_status: "
			  . substr($response->{content} // '', 0, 300));
		return undef;
	}
	my $decoded = eval { $json->decode($response->{content}) };
	if (!defined $decoded)
	{
		unexpected('response', $kind, "$method $url returned a body that is not JSON: "
			  . substr($response->{content} // '', 0, 300));
		return undef;
	}
	$response->{json} = $decoded;
	$response->{url} = "$method $url";
	return $response;
}

sub unexpected
{
	my ($category, $kind, $detail) = @_;
	$detail =~ s/[\t\n]/ /g;
	print { $self->{errors} } "$category\t$kind\t$detail\n";
	$self->{unexpected}++;
}

# Logs a mismatch between an answer and the model; returns false.
sub mismatch
{
	my ($kind, $response, $what) = @_;
	unexpected('mismatch', $kind, "$response->{url}: $what");
	return 0;
}

# ---------------------------------------------------------------- records

sub iso_now
{
	my $now = Time::HiRes::time();
	return POSIX::strftime('%Y-%m-%dT%H:%M:%S', gmtime($now))
	  . sprintf('.%06dZ', ($now - int($now)) * 1_000_000);
}

sub full_fields
{
	return {
		client => $self->{client},
		bucket => int(rand(10)),
		n => int(rand(1_000_000)) - 1000,
		level => int(rand(5)),
		status => $statuses[ rand @statuses ],
		tag => 't' . int(rand(20)),
		flag => rand() < 0.5 ? JSON::PP::true : JSON::PP::false,
		attrs => { source => 'soak', depth => int(rand(3)), list => [ 1, 'two', JSON::PP::null ] },
		timestamp => iso_now(),
	};
}

# A random subset of the fields, always with `client` and a new time.
sub partial_fields
{
	my $full = full_fields();
	my %fields = (client => $full->{client}, timestamp => $full->{timestamp});
	for my $field (qw(bucket n level status tag flag attrs))
	{
		$fields{$field} = $full->{$field} if rand() < 0.4;
	}
	return \%fields;
}

# ---------------------------------------------------------------- queries

# A random query over this client's records: CFXQL text and the same
# condition as a Perl predicate over a model record.
sub random_query
{
	my ($for_delete) = @_;
	my $client = $self->{client};
	my $bucket = int(rand(10));
	my $other_bucket = int(rand(10));
	my $limit = int(rand(1_000_000)) - 1000;
	my $tag = 't' . int(rand(20));
	my $other_tag = 't' . int(rand(20));
	my $status = $statuses[ rand @statuses ];
	my $quoted_status = $status =~ s/(['\\])/\\$1/gr;

	my @queries = (
		[ "client = $client and bucket = $bucket", sub { num_eq($_[0]{bucket}, $bucket) } ],
		[ "client = $client and tag in ['$tag', '$other_tag']",
			sub { defined $_[0]{tag} && ($_[0]{tag} eq $tag || $_[0]{tag} eq $other_tag) } ],
		[ "client = $client and bucket = $bucket and level < 3",
			sub { num_eq($_[0]{bucket}, $bucket) && defined $_[0]{level} && $_[0]{level} < 3 } ],
		[ "client = $client and n < $limit", sub { defined $_[0]{n} && $_[0]{n} < $limit } ],
		[ "client = $client and status = '$quoted_status' and not bucket = $other_bucket",
			sub { defined $_[0]{status} && $_[0]{status} eq $status && !num_eq($_[0]{bucket}, $other_bucket) } ],
		[ "client = $client and (bucket = $bucket or level >= 4) and flag = true",
			sub { (num_eq($_[0]{bucket}, $bucket) || (defined $_[0]{level} && $_[0]{level} >= 4))
				  && ref $_[0]{flag} && $_[0]{flag} } ],
		[ "client = $client and tag starts with 't1'", sub { defined $_[0]{tag} && $_[0]{tag} =~ /^t1/ } ],
	);
	# Deletes use only the first three, narrower queries, so that records
	# live long enough to be merged, updated and read.
	my $query = $for_delete ? $queries[ int(rand(3)) ] : $queries[ rand @queries ];
	return @$query;
}

sub num_eq
{
	my ($value, $number) = @_;
	return defined $value && !ref $value && $value == $number;
}

sub pick_stream
{
	return rand() < 0.5 ? 'events' : 'merge';
}

sub matching
{
	my ($which, $predicate) = @_;
	my $model = $self->{model}{$which};
	return grep { $predicate->($model->{$_}) } keys %$model;
}

# ---------------------------------------------------------------- operations

# Adds a batch of new records to soak-events.
sub operation_add
{
	my $size = 1 + int(rand(500));
	my @batch;
	for (1 .. $size)
	{
		my $record = full_fields();
		$record->{id} = sprintf('c%d-e%07d', $self->{client}, ++$self->{next_id});
		push @batch, $record;
	}
	my $response = call('add', 'POST', "/pstreams/pstream/soak-events/data", [], \@batch, 201)
	  or return;
	$self->{model}{events}{ $_->{id} } = $_ for @batch;
	check_add_counts('add', $response, $size, 0);
}

# Adds a batch to soak-merge in which most keys exist already, so that
# those records merge into the stored ones (top-level keys of the new record
# win) and the rest are added. A key can repeat within the batch.
sub operation_merge
{
	my $model = $self->{model}{merge};
	my @existing = keys %$model;
	my $size = 1 + int(rand(500));
	my (@batch, %seen);
	my ($added, $merged) = (0, 0);
	for (1 .. $size)
	{
		my ($key, $record);
		if (@existing && rand() < 0.6)
		{
			$key = $existing[ rand @existing ];
			$record = partial_fields();
		}
		else
		{
			$key = sprintf('c%d-k%05d', $self->{client}, int(rand(4000)));
			$record = exists $model->{$key} || $seen{$key} ? partial_fields() : full_fields();
		}
		$record->{key} = $key;
		push @batch, $record;
		if (exists $model->{$key} || $seen{$key}) { $merged++ } else { $added++ }
		$seen{$key}{$_} = $record->{$_} for keys %$record;
	}

	my $response = call('merge', 'POST', "/pstreams/pstream/soak-merge/data", [], \@batch, 201)
	  or return;
	for my $key (keys %seen)
	{
		my $stored = $model->{$key} //= {};
		$stored->{$_} = $seen{$key}{$_} for keys %{ $seen{$key} };
	}
	check_add_counts('merge', $response, $added, $merged);
}

sub check_add_counts
{
	my ($kind, $response, $added, $merged) = @_;
	my $data = $response->{json}{serviceResult}{dataResults}{data} // {};
	my $got_added = $data->{added} // 'missing';
	my $got_merged = $data->{merged} // 'missing';
	mismatch($kind, $response, "added $got_added, merged $got_merged; expected added $added, merged $merged")
	  unless "$got_added" eq "$added" && "$got_merged" eq "$merged";
}

# Sets a few fields on the records that a query matches.
sub operation_update
{
	my $which = pick_stream();
	my ($query, $predicate) = random_query(0);
	my %set;
	$set{status} = $statuses[ rand @statuses ] if rand() < 0.6;
	$set{level} = int(rand(5)) if rand() < 0.6;
	$set{bucket} = int(rand(10)) if rand() < 0.2;
	$set{note} = 'updated ' . int(rand(3)) if rand() < 0.3;
	$set{level} = 0 unless %set;

	my $model = $self->{model}{$which};
	my @keys = matching($which, $predicate);
	my $changed = 0;
	for my $key (@keys)
	{
		my $record = $model->{$key};
		$changed++ if grep { !same_scalar($record->{$_}, $set{$_}) } keys %set;
	}

	my @query = ([ cfxql_query => $query ]);
	push @query, [ conflicts => rand() < 0.5 ? 'proceed' : 'abort' ] if rand() < 0.4;
	my $response = call('update', 'PUT', "/pstreams/pstream/$stream{$which}{name}/data", \@query, \%set, 200)
	  or return;
	for my $key (@keys)
	{
		$model->{$key}{$_} = $set{$_} for keys %set;
	}
	my $data = $response->{json}{serviceResult}{dataResults}{data} // {};
	my $expected = sprintf('total %d updated %d noops %d version_conflicts 0', scalar @keys, $changed, @keys - $changed);
	my $got = sprintf('total %s updated %s noops %s version_conflicts %s',
		map { $data->{$_} // 'missing' } qw(total updated noops version_conflicts));
	mismatch('update', $response, "$got; expected $expected") unless $got eq $expected;
}

sub same_scalar
{
	my ($left, $right) = @_;
	return 0 unless defined $left && defined $right;
	return 0 if ref $left || ref $right;
	return $left eq $right;
}

# Deletes the records that a narrow query matches.
sub operation_delete
{
	my $which = pick_stream();
	my ($query, $predicate) = random_query(1);
	my @keys = matching($which, $predicate);
	my @query = ([ cfxql_query => $query ]);
	push @query, [ conflicts => rand() < 0.5 ? 'proceed' : 'abort' ] if rand() < 0.4;
	my $response = call('delete', 'DELETE', "/pstreams/pstream/$stream{$which}{name}/data", \@query, undef, 200)
	  or return;
	delete @{ $self->{model}{$which} }{@keys};
	delete @{ $self->{rda_id} }{@keys} if $which eq 'merge';
	my $data = $response->{json}{serviceResult}{dataResults}{data} // {};
	my $got = sprintf('total %s deleted %s version_conflicts %s',
		map { $data->{$_} // 'missing' } qw(total deleted version_conflicts));
	my $expected = sprintf('total %d deleted %d version_conflicts 0', scalar @keys, scalar @keys);
	mismatch('delete', $response, "$got; expected $expected") unless $got eq $expected;
}

# Reads every record that a query matches and compares them with the model.
sub operation_read
{
	my $which = pick_stream();
	my $identity = $stream{$which}{identity};
	my ($query, $predicate) = random_query(0);
	my @keys = sort { $a cmp $b } matching($which, $predicate);
	my $response = call('read', 'GET', "/pstreams/pstream/$stream{$which}{name}/data",
		[ [ cfxql_query => $query ], [ sort => $identity ], [ limit => 10000 ] ], undef, 200)
	  or return;
	compare_page('read', $response, $which, \@keys, scalar @keys);
}

# Reads one page of this client's records in `id` or `key` order and
# compares the page, its order and total_count with the model.
sub operation_page
{
	my $which = pick_stream();
	my $identity = $stream{$which}{identity};
	my @keys = sort(keys %{ $self->{model}{$which} });
	my $limit = 1 + int(rand(200));
	my $offset = int(rand(@keys + 10));
	my $response = call('page', 'GET', "/pstreams/pstream/$stream{$which}{name}/data",
		[ [ cfxql_query => "client = $self->{client}" ], [ sort => $identity ],
			[ offset => $offset ], [ limit => $limit ] ], undef, 200)
	  or return;
	my $last = $offset + $limit - 1;
	$last = $#keys if $last > $#keys;
	my @page = @keys[ $offset .. $last ];
	compare_page('page', $response, $which, \@page, scalar @keys);
}

# Compares the rows of a read with the model records of @$keys, in that
# order, and total_count with $total. Returns true when they agree.
sub compare_page
{
	my ($kind, $response, $which, $keys, $total) = @_;
	my $identity = $stream{$which}{identity};
	my $model = $self->{model}{$which};
	my $answer = $response->{json};
	my $rows = $answer->{pstream_data} // [];

	return mismatch($kind, $response, "total_count $answer->{total_count}, expected $total")
	  unless defined $answer->{total_count} && $answer->{total_count} == $total;
	return mismatch($kind, $response, sprintf('%d rows, expected %d', scalar @$rows, scalar @$keys))
	  unless @$rows == @$keys;
	for my $i (0 .. $#$rows)
	{
		my %row = %{ $rows->[$i] };
		my $rda_id = delete $row{_RDA_Id};
		return mismatch($kind, $response, "row $i has no _RDA_Id") unless defined $rda_id && length $rda_id;
		my $got = $json->encode(\%row);
		my $expected = $json->encode(normalized($model->{ $keys->[$i] }));
		return mismatch($kind, $response, "row $i is $got, expected $expected") unless $got eq $expected;
		$self->{rda_id}{ $keys->[$i] } = $rda_id if $which eq 'merge';
	}
	return 1;
}

# A copy of a model record with the numeric fields as JSON numbers.
sub normalized
{
	my ($record) = @_;
	my %copy = %$record;
	for my $field (@numeric_fields)
	{
		$copy{$field} = 0 + $copy{$field} if defined $copy{$field} && !ref $copy{$field};
	}
	return \%copy;
}

# Groups this client's records by bucket with several aggregates, or
# aggregates them without groups, and compares with the model.
sub operation_aggregate
{
	my $which = pick_stream();
	my $model = $self->{model}{$which};
	my @records = map { $model->{$_} } matching($which, sub { 1 });
	my %groups;
	my $grouped = rand() < 0.7;
	for my $record (@records)
	{
		my $group = $grouped ? (defined $record->{bucket} ? 0 + $record->{bucket} : 'null') : 'all';
		push @{ $groups{$group} }, $record;
	}

	my @query = ([ cfxql_query => "client = $self->{client}" ],
		[ aggs => 'value_count:n' ], [ aggs => 'sum:n:total' ], [ aggs => 'min:n' ],
		[ aggs => 'max:n' ], [ aggs => 'avg:level' ], [ aggs => 'cardinality:tag:tags' ],
		[ limit => 100 ]);
	push @query, [ group_by => 'bucket' ], [ sort => 'bucket' ] if $grouped;
	my $response = call('aggregate', 'GET', "/pstreams/pstream/$stream{$which}{name}/data", \@query, undef, 200)
	  or return;

	my $rows = $response->{json}{pstream_data} // [];
	my %got;
	for my $row (@$rows)
	{
		my $group = $grouped ? ($row->{bucket} // 'null') : 'all';
		$got{$group} = $row;
	}
	my $expected_groups = $grouped ? scalar(keys %groups) : 1;
	return mismatch('aggregate', $response, sprintf('%d rows, expected %d', scalar @$rows, $expected_groups))
	  unless @$rows == $expected_groups;
	$groups{all} //= [] unless $grouped;

	for my $group (sort keys %groups)
	{
		my $row = $got{$group} or return mismatch('aggregate', $response, "no row for bucket $group");
		my @values = map { $_->{n} } grep { defined $_->{n} } @{ $groups{$group} };
		my @levels = map { $_->{level} } grep { defined $_->{level} } @{ $groups{$group} };
		my %tags = map { $_->{tag} => 1 } grep { defined $_->{tag} } @{ $groups{$group} };
		my %expected = (
			value_count_n => scalar @values,
			total => @values ? sum(@values) : undef,
			min_n => @values ? (sort { $a <=> $b } @values)[0] : undef,
			max_n => @values ? (sort { $b <=> $a } @values)[0] : undef,
			tags => scalar keys %tags,
		);
		for my $name (sort keys %expected)
		{
			my ($e, $g) = ($expected{$name}, $row->{$name});
			next if !defined $e && !defined $g;
			return mismatch('aggregate', $response, "group $group: $name is " . ($g // 'null') . ', expected ' . ($e // 'null'))
			  unless defined $e && defined $g && $e == $g;
		}
		my $average = @levels ? sum(@levels) / @levels : undef;
		my $got_average = $row->{avg_level};
		next if !defined $average && !defined $got_average;
		return mismatch('aggregate', $response, "group $group: avg_level is " . ($got_average // 'null') . ', expected ' . ($average // 'null'))
		  unless defined $average && defined $got_average && abs($got_average - $average) <= 1e-9 * (1 + abs($average));
	}
}

sub sum
{
	my $total = 0;
	$total += $_ for @_;
	return $total;
}

# Sends a request that must fail with one given status, and checks that the
# answer has a `detail`. Nothing in the model changes, and the final check
# shows that the request changed nothing either.
sub operation_expected_error
{
	my $client = $self->{client};
	my $path = '/pstreams/pstream/soak-events/data';
	my @cases = (
		[ 'bad_cfxql', 'GET', $path, [ [ cfxql_query => "client = $client and bucket = = 3" ] ], undef, 400 ],
		[ 'bad_cfxql_update', 'PUT', $path, [ [ cfxql_query => "client = $client and (bucket = 3" ] ], { level => 9 }, 400 ],
		[ 'invalid_json', 'POST', $path, [], qq([{"client": $client, "id": "c$client-bad"), 400 ],
		[ 'body_not_array', 'POST', $path, [], { client => $client, id => "c$client-object" }, 422 ],
		[ 'record_not_object', 'POST', $path, [], [ { client => $client, id => "c$client-x" }, 7 ], 422 ],
		[ 'limit_zero', 'GET', $path, [ [ limit => 0 ] ], undef, 422 ],
		[ 'delete_without_query', 'DELETE', $path, [], undef, 422 ],
		[ 'unknown_pstream', 'GET', "/pstreams/pstream/soak-missing-$client/data", [], undef, 404 ],
		[ 'duplicate_pstream', 'POST', '/pstreams', [], { name => 'soak-events' }, 409 ],
	);
	my @keys = keys %{ $self->{rda_id} };
	if (@keys >= 2)
	{
		# A record that names the _RDA_Id of one stored record and the
		# unique key of another would merge two records into one: 409.
		my ($first, $second) = @keys[ int(rand(@keys)), int(rand(@keys)) ];
		if ($first ne $second)
		{
			push @cases, [ 'merge_conflict', 'POST', '/pstreams/pstream/soak-merge/data', [],
				[ { _RDA_Id => $self->{rda_id}{$first}, key => $second, client => $client, level => 1 } ], 409 ];
		}
	}
	my $case = $cases[ rand @cases ];
	my $response = call("expected_$case->[0]", @{$case}[ 1 .. 5 ]) or return;
	mismatch("expected_$case->[0]", $response, 'the error has no detail')
	  unless defined $response->{json}{detail} && length $response->{json}{detail};
}

# ---------------------------------------------------------------- final check

# Pages through all records of this client in both pstreams and compares
# them with the model. Returns true when they agree.
sub final_check
{
	my $ok = 1;
	for my $which (sort keys %stream)
	{
		my $identity = $stream{$which}{identity};
		my $model = $self->{model}{$which};
		my (@rows, %seen_rda_id);
		my $offset = 0;
		while (1)
		{
			my $response = call('final', 'GET', "/pstreams/pstream/$stream{$which}{name}/data",
				[ [ cfxql_query => "client = $self->{client}" ], [ sort => $identity ],
					[ offset => $offset ], [ limit => 1000 ] ], undef, 200);
			return 0 unless $response;
			my $page = $response->{json}{pstream_data};
			push @rows, @$page;
			last if @$page < 1000;
			$offset += 1000;
		}

		my @keys = sort keys %$model;
		my $label = "final check of $stream{$which}{name}";
		if (@rows != @keys)
		{
			unexpected('mismatch', 'final', sprintf('%s: %d records stored, %d in the model', $label, scalar @rows, scalar @keys));
			$ok = 0;
		}
		my $reported = 0;
		for my $i (0 .. $#rows)
		{
			my %row = %{ $rows[$i] };
			my $rda_id = delete $row{_RDA_Id} // '';
			my $key = $row{$identity} // '';
			my $problem;
			if ($rda_id eq '' || $seen_rda_id{$rda_id}++)
			{
				$problem = "record $key has a missing or repeated _RDA_Id '$rda_id'";
			}
			elsif (!exists $model->{$key})
			{
				$problem = "record $key is stored but not in the model: " . $json->encode(\%row);
			}
			elsif ($key ne ($keys[$i] // ''))
			{
				$problem = "row $i is record $key, expected " . ($keys[$i] // 'none');
			}
			else
			{
				my $got = $json->encode(\%row);
				my $expected = $json->encode(normalized($model->{$key}));
				$problem = "record $key is $got, expected $expected" if $got ne $expected;
			}
			next unless $problem;
			$ok = 0;
			unexpected('mismatch', 'final', "$label: $problem") if $reported++ < 20;
		}
	}
	return $ok;
}

# ---------------------------------------------------------------- helpers

sub uri_escape
{
	my ($text) = @_;
	utf8::encode($text);
	$text =~ s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord($1))/ge;
	return $text;
}

sub first_line
{
	my ($text) = @_;
	$text //= '';
	$text =~ s/\n.*//s;
	return $text;
}

sub read_file
{
	my ($path) = @_;
	open(my $file, '<', $path) or die "load.pl: cannot read $path: $!\n";
	local $/;
	return scalar <$file>;
}

sub write_file
{
	my ($path, $text) = @_;
	open(my $file, '>', $path) or die "load.pl: cannot write $path: $!\n";
	print $file $text;
	close($file) or die "load.pl: cannot write $path: $!\n";
}
