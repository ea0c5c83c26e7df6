#!/usr/bin/perl
# report.pl: turns the results of a soak run (test/soak/run.sh) into the
# "Soak (make soak)" section of docs/reliability.md.
#
# Reads the files that load.pl and run.sh leave in the results folder, fills
# the placeholders (@NAME@) of the template, and replaces the section in the
# target file: from its heading to the next level-2 heading or the end. A
# missing file is created with the heading "# Reliability"; other sections
# are left as they are.
#
# Usage: report.pl --results DIR --template FILE --write FILE
# Exit status 0 when the run passed, 1 when it failed (the section is
# written either way), 2 or more on a usage error or unreadable results.

use strict;
use warnings;

use Getopt::Long ();
use JSON::PP;
use POSIX ();

my %option;
Getopt::Long::GetOptions(\%option, 'results=s', 'template=s', 'write=s') or exit 2;
if (!$option{results} || !$option{template} || !$option{write})
{
	print STDERR "usage: report.pl --results DIR --template FILE --write FILE\n";
	exit 2;
}

# The files are read as characters, so the decoder takes characters too.
my $json = JSON::PP->new->canonical;
my $results = $option{results};
my $summary = eval { $json->decode(read_file("$results/summary.json")) }
  // die "report.pl: no readable $results/summary.json; the load generator did not finish\n";
my %facts = map { chomp; split /\t/, $_, 2 } grep { /\t/ } split /^/, read_file("$results/facts.tsv");

my $requests = read_requests();
my $errors = read_errors();
my $memory = read_memory();
my @failures = failures();

my %value = (
	RESULT => result_text(),
	COMMAND => sprintf('make soak SOAK_MINUTES=%s SOAK_CLIENTS=%d SOAK_SEED=%d',
		$summary->{minutes}, $summary->{clients}, $summary->{seed}),
	DATE => POSIX::strftime('%Y-%m-%d %H:%M UTC', gmtime($summary->{end_time} // time())),
	MACHINE => machine_text(),
	REQUESTS => requests_text(),
	ERRORS => errors_text(),
	MEMORY => memory_text(),
	CONSISTENCY => consistency_text(),
);

my $section = read_file($option{template});
$section =~ s/\@([A-Z]+)\@/exists $value{$1} ? $value{$1} : die "report.pl: unknown placeholder \@$1\@\n"/ge;
write_section($section);
print "report.pl: wrote the soak section of $option{write}\n";
exit(@failures ? 1 : 0);

# Per kind: count, statuses and sorted latencies; and requests per second
# of the run.
sub read_requests
{
	my %kind;
	my %per_second;
	for my $path (glob("$results/requests-*.tsv"))
	{
		open(my $file, '<', $path) or die "report.pl: cannot read $path: $!\n";
		while (my $line = <$file>)
		{
			chomp $line;
			my ($name, $status, $milliseconds, $second) = split /\t/, $line;
			next unless defined $second;
			$kind{$name}{count}++;
			$kind{$name}{status}{$status}++;
			push @{ $kind{$name}{latency} }, $milliseconds;
			$per_second{$second}++;
		}
	}
	for my $entry (values %kind)
	{
		$entry->{latency} = [ sort { $a <=> $b } @{ $entry->{latency} } ];
	}
	return { kind => \%kind, per_second => \%per_second };
}

# Unexpected outcomes by category and kind, with the first few details.
sub read_errors
{
	my %count;
	my @examples;
	for my $path (glob("$results/errors-*.tsv"))
	{
		my ($client) = $path =~ /errors-(\d+)\.tsv$/;
		open(my $file, '<:encoding(UTF-8)', $path) or die "report.pl: cannot read $path: $!\n";
		while (my $line = <$file>)
		{
			chomp $line;
			my ($category, $kind, $detail) = split /\t/, $line, 3;
			$count{"$category\t$kind"}++;
			push @examples, "client $client, $category, $kind: $detail" if @examples < 10;
		}
	}
	return { count => \%count, examples => \@examples };
}

sub read_memory
{
	my @samples;
	return \@samples unless -e "$results/memory.tsv";
	for my $line (split /\n/, read_file("$results/memory.tsv"))
	{
		my @fields = split /\t/, $line;
		push @samples, \@fields if @fields == 5;
	}
	return \@samples;
}

sub failures
{
	my @list;
	my $unexpected = 0;
	$unexpected += $_ for values %{ $errors->{count} };
	push @list, "$unexpected unexpected errors" if $unexpected;
	push @list, @{ $summary->{final_failures} // [] };
	push @list, "$summary->{failed_clients} clients failed" if $summary->{failed_clients};
	push @list, 'pstreamd was not running at the end' if ($facts{pstreamd_alive} // '') ne 'true';
	push @list, 'pstreamd exited with status ' . ($facts{pstreamd_exit} // 'unknown') . ' after SIGTERM'
	  if ($facts{pstreamd_exit} // '') ne '0';
	return @list;
}

sub result_text
{
	my $total = 0;
	$total += $_->{count} for values %{ $requests->{kind} };
	my $text = sprintf('%d requests in %s minutes from %d clients (%.1f per second).',
		$total, $summary->{minutes}, $summary->{clients}, $total / (60 * $summary->{minutes}));
	return "**Result: passed.** $text No unexpected error, and the final consistency check passed."
	  unless @failures;
	return "**Result: FAILED.** $text Failures: " . join('; ', @failures) . '.';
}

sub machine_text
{
	return sprintf('%s cores (`nproc`), %s, %s RAM, %s; %s; extension %s, %s, commit %s',
		map { $facts{$_} // 'unknown' } qw(nproc cpu memory kernel postgresql extension pstreamd commit));
}

# Returns the nearest-rank percentile of a sorted list (fraction 0 to 1).
sub percentile
{
	my ($sorted, $fraction) = @_;
	return 0 unless @$sorted;
	my $index = int($fraction * @$sorted + 0.5) - 1;
	$index = 0 if $index < 0;
	$index = $#$sorted if $index > $#$sorted;
	return $sorted->[$index];
}

sub requests_text
{
	my $kinds = $requests->{kind};
	my @lines = (
		'| kind | requests | statuses | p50 ms | p90 ms | p99 ms | max ms |',
		'| --- | ---: | --- | ---: | ---: | ---: | ---: |',
	);
	my $total = 0;
	for my $name (sort { order($a) cmp order($b) } keys %$kinds)
	{
		my $entry = $kinds->{$name};
		$total += $entry->{count};
		my $statuses = join(', ', map { "$_: $entry->{status}{$_}" } sort keys %{ $entry->{status} });
		push @lines, sprintf('| %s | %d | %s | %.0f | %.0f | %.0f | %.0f |', $name, $entry->{count}, $statuses,
			map { percentile($entry->{latency}, $_) } 0.5, 0.9, 0.99, 1);
	}
	push @lines, sprintf('| all | %d | | | | | |', $total);
	push @lines, '', 'Latency is measured by the client, from sending the request to the end of'
	  . ' the answer. `final` is the paging of the final check. Kinds `expected_*`'
	  . ' are the requests that must fail; their status is the intended one unless'
	  . ' the Errors table below lists them.';
	return join("\n", @lines);
}

# Returns the sort key of a kind: the kinds of the load first, then the
# expected errors, then `final`.
sub order
{
	my ($name) = @_;
	my %rank = (add => 1, merge => 2, update => 3, delete => 4, read => 5, page => 6, aggregate => 7, final => 9);
	return sprintf('%d %s', $rank{$name} // 8, $name);
}

sub errors_text
{
	my $count = $errors->{count};
	my @lines;
	if (%$count)
	{
		push @lines, '| category | kind | count |', '| --- | --- | ---: |';
		push @lines, map { my ($category, $kind) = split /\t/; "| $category | $kind | $count->{$_} |" } sort keys %$count;
		push @lines, '', 'First unexpected errors (up to 10):', '';
		push @lines, map { '- ' . escape($_) } @{ $errors->{examples} };
	}
	else
	{
		push @lines, 'Unexpected errors: none (no connection error, no status other than the'
		  . ' intended one, no body that is not JSON, no answer that differs from the model).';
	}
	my $expected = 0;
	for my $name (grep { /^expected_/ } keys %{ $requests->{kind} })
	{
		$expected += $requests->{kind}{$name}{count};
	}
	push @lines, '', "Intended errors sent: $expected (the `expected_*` rows above).";
	push @lines, '', log_levels_text();
	return join("\n", @lines);
}

# Counts of pstreamd's log lines by level.
sub log_levels_text
{
	my %level;
	my $path = "$results/pstreamd.log";
	return 'The log of pstreamd was not found.' unless -e $path;
	open(my $file, '<:encoding(UTF-8)', $path) or die "report.pl: cannot read $path: $!\n";
	while (my $line = <$file>)
	{
		my $entry = eval { $json->decode($line) } or next;
		$level{ $entry->{level} // 'unknown' }++;
	}
	return 'Log lines of pstreamd by level: '
	  . (join(', ', map { "$_ $level{$_}" } sort keys %level) || 'none') . '.';
}

sub memory_text
{
	my @samples = @$memory;
	return 'No memory samples were taken.' unless @samples;
	my $start = $summary->{start_time} // $samples[0][0];

	# At most about 16 rows: every n-th sample, always with the last one.
	my $step = @samples > 16 ? POSIX::ceil(@samples / 15) : 1;
	my @shown = grep { $_ % $step == 0 || $_ == $#samples } 0 .. $#samples;

	my @lines = (
		'| minute | requests served | pstreamd VmRSS MiB | cluster Pss MiB | cluster RSS MiB | cluster processes |',
		'| ---: | ---: | ---: | ---: | ---: | ---: |',
	);
	for my $index (@shown)
	{
		my ($epoch, $pstreamd, $pss, $rss, $processes) = @{ $samples[$index] };
		my $minute = ($epoch - $start) / 60;
		my $served = 0;
		for my $second (keys %{ $requests->{per_second} })
		{
			$served += $requests->{per_second}{$second} if $second < $epoch - $start;
		}
		push @lines, sprintf('| %.1f | %d | %.1f | %.1f | %.1f | %d |', $minute, $served,
			$pstreamd / 1024, $pss / 1024, $rss / 1024, $processes);
	}
	my @pstreamd = map { $_->[1] } @samples;
	my ($low, $high) = (sort { $a <=> $b } @pstreamd)[ 0, -1 ];
	push @lines, '', sprintf('pstreamd VmRSS: first %.1f MiB, last %.1f MiB, range %.1f to %.1f MiB over %d samples'
		  . ' taken every %s s (all of them are in .run/soak/results/memory.tsv).',
		$pstreamd[0] / 1024, $pstreamd[-1] / 1024, $low / 1024, $high / 1024, scalar @samples,
		$facts{sample_seconds} // '?');
	push @lines, '', trend_text($start);
	push @lines, '', 'Minutes count from the start of the load. "Requests served" counts the'
	  . ' requests sent before the sample, to the second.'
	  . ' The cluster figures sum all processes of the cluster: Pss counts each'
	  . ' shared page (shared_buffers) once, RSS counts it in every process that touched it.';
	return join("\n", @lines);
}

# Describes how pstreamd's VmRSS changed under load after a warm-up: from
# the first sample at or after a fifth of the run (at most 5 minutes) to the
# last sample taken while the load still ran.
sub trend_text
{
	my ($start) = @_;
	my $warm_up = $summary->{minutes} / 5;
	$warm_up = 5 if $warm_up > 5;
	my @load = grep { my $minute = ($_->[0] - $start) / 60; $minute >= $warm_up && $minute <= $summary->{minutes} }
	  @$memory;
	return 'Too few samples under load for a memory trend.' if @load < 2;
	my ($first, $last) = @load[ 0, -1 ];
	my $minutes = ($last->[0] - $first->[0]) / 60;
	my $growth = ($last->[1] - $first->[1]) / 1024;
	return sprintf('After the warm-up, from minute %.1f to minute %.1f of the load, pstreamd\'s VmRSS went'
		  . ' from %.1f to %.1f MiB (%+.1f MiB, %+.2f MiB per 10 minutes).',
		($first->[0] - $start) / 60, ($last->[0] - $start) / 60, $first->[1] / 1024, $last->[1] / 1024,
		$growth, $minutes > 0 ? 10 * $growth / $minutes : 0);
}

sub consistency_text
{
	my @lines = ('| pstream | records in the models | docs_count (stats) | total_count (read of all) |',
		'| --- | ---: | ---: | ---: |');
	my %name = (events => 'soak-events', merge => 'soak-merge');
	for my $which (sort keys %{ $summary->{totals} // {} })
	{
		my $entry = $summary->{totals}{$which};
		push @lines, sprintf('| %s | %d | %d | %d |', $name{$which} // $which, $entry->{model},
			$entry->{docs_count}, $entry->{total_count});
	}
	my @clients;
	for my $path (sort glob("$results/client-*.json"))
	{
		my $client = $json->decode(read_file($path));
		push @clients, sprintf('client %d: %s', $client->{client}, $client->{final_ok} ? 'equal' : 'DIFFERENT');
	}
	push @lines, '', 'Final comparison of each client\'s records with its model, field by field: '
	  . (join(', ', @clients) || 'no client result') . '.';
	push @lines, '', 'Final check: ' . ($summary->{totals_ok} ? 'passed.' : 'FAILED: ' . join('; ', @{ $summary->{final_failures} }) . '.');
	return join("\n", @lines);
}

sub escape
{
	my ($text) = @_;
	$text =~ s/([|`*_\\<>])/\\$1/g;
	return length($text) > 600 ? substr($text, 0, 600) . ' …' : $text;
}

# Replaces the "## Soak (make soak)" section of the target file.
sub write_section
{
	my ($section) = @_;
	my $path = $option{write};
	my $text = -e $path ? read_file($path) : "# Reliability\n\n";
	$section =~ s/\n*\z/\n/;
	if ($text =~ /^## Soak \(make soak\)\n/m)
	{
		$text =~ s/^## Soak \(make soak\)\n.*?(?=^## |\z)/$section\n/ms;
		$text =~ s/\n+\z/\n/;
	}
	else
	{
		$text =~ s/\n*\z/\n\n/;
		$text .= $section;
	}
	open(my $file, '>:encoding(UTF-8)', $path) or die "report.pl: cannot write $path: $!\n";
	print $file $text;
	close($file) or die "report.pl: cannot write $path: $!\n";
}

sub read_file
{
	my ($path) = @_;
	open(my $file, '<:encoding(UTF-8)', $path) or die "report.pl: cannot read $path: $!\n";
	local $/;
	return scalar <$file>;
}
