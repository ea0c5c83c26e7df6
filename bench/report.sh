#!/bin/bash
# report.sh: write the benchmark page (Markdown, on stdout) from the rows
# that bench/run.sh collected.
#
#   report.sh RESULTS COMMANDS FACTS SECONDS
#
# RESULTS contains the value, ratio and note rows described in bench/lib.sh,
# COMMANDS the exact commands, FACTS the machine and PostgreSQL facts as
# Markdown list items, SECONDS the run's duration. bench/notes.md is copied
# in verbatim.
set -euo pipefail

results=$1
commands=$2
facts=$3
seconds=$4
notes=$(dirname "${BASH_SOURCE[0]}")/notes.md

cat <<EOF
# Benchmarks

This page is written by \`make bench\` (bench/run.sh); do not edit it by
hand; the analysis lives in bench/notes.md, copied in below. Each figure is
the median of the runs listed, with their minimum and maximum. Every
comparison ran in the same run, on the same records and the same indexes.
The whole run took $((seconds / 60)) min $((seconds % 60)) s.

## Machine and settings

EOF
cat "$facts"
echo

awk -F'\t' '
function median(list,    n, v, i, j, t) {
	n = split(list, v, " ")
	for (i = 1; i <= n; i++)
		for (j = i + 1; j <= n; j++)
			if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
	lo = v[1]; hi = v[n]; runs = n
	if (n % 2) return v[(n + 1) / 2]
	return (v[n / 2] + v[n / 2 + 1]) / 2
}
function fmt(x) {
	if (x + 0 >= 100) return sprintf("%.0f", x)
	if (x + 0 >= 10) return sprintf("%.1f", x)
	return sprintf("%.2f", x)
}
BEGIN {
	title["1"] = "1. Ingest through SQL: pstream_add in batches of 1,000 vs COPY"
	title["2"] = "2. Ingest through HTTP: POST …/data, batches of 1,000, 8 clients, vs scenario 1 COPY"
	title["3"] = "3. Ingest with unique_keys (half merge) vs INSERT … ON CONFLICT DO UPDATE"
	title["4"] = "4. CFXQL reads on the largest set: pstream_query vs hand-written SQL"
	title["5"] = "5. Small reads through HTTP (wrk) vs pgbench calling pstream_query"
	title["6"] = "6. Update and delete by query of 10% of the largest set"
	title["7"] = "7. Metadata and stats: largest vs smallest set"
	title["8"] = "8. Memory: pstreamd peak RSS"
	title["indexing"] = "Indexing choices: all / fields / none"
	order = "1 2 3 4 5 6 7 8 indexing"
}
$1 == "value" {
	n = ++nvalues[$2]; vcase[$2, n] = $3; vunit[$2, n] = $4; vlist[$2, n] = $5
	median_of[$3] = median($5)
}
$1 == "ratio" { n = ++nratios[$2]; rlabel[$2, n] = $3; ra[$2, n] = $4; rb[$2, n] = $5; rop[$2, n] = $6; rtarget[$2, n] = $7 }
$1 == "note" { n = ++nnotes[$2]; note[$2, n] = $3 }
END {
	split(order, scenarios, " ")
	for (s = 1; s <= length(scenarios); s++) {
		id = scenarios[s]
		print "## " title[id]
		print ""
		if (nvalues[id]) {
			print "| case | runs | median | min | max | unit |"
			print "| --- | ---: | ---: | ---: | ---: | --- |"
			for (i = 1; i <= nvalues[id]; i++) {
				m = median(vlist[id, i])
				printf "| %s | %d | %s | %s | %s | %s |\n", vcase[id, i], runs, fmt(m), fmt(lo), fmt(hi), vunit[id, i]
			}
			print ""
		}
		if (nratios[id]) {
			print "| comparison | ratio | target | met |"
			print "| --- | ---: | --- | --- |"
			for (i = 1; i <= nratios[id]; i++) {
				a = median_of[ra[id, i]]; b = median_of[rb[id, i]]
				if (b + 0 == 0) { printf "| %s | n/a | %s %s | n/a |\n", rlabel[id, i], rop[id, i], rtarget[id, i]; continue }
				r = a / b
				if (rtarget[id, i] == "-") { target = "none"; met = "-" }
				else {
					target = rop[id, i] " " rtarget[id, i]
					met = (rop[id, i] == ">=" ? r >= rtarget[id, i] : r <= rtarget[id, i]) ? "yes" : "**no**"
				}
				printf "| %s | %.2f | %s | %s |\n", rlabel[id, i], r, target, met
			}
			print ""
		}
		for (i = 1; i <= nnotes[id]; i++)
			print "- " note[id, i]
		if (nnotes[id]) print ""
	}
}' "$results"

echo "## Analysis"
echo
if [[ -f $notes ]]; then
	# Skip the file's own title line, so the page keeps one level-1 heading.
	sed '1{/^# /d}' "$notes"
	echo
fi

cat <<'EOF'
## Commands

The commands of each scenario, in the order they ran. bench/run.sh gives
the full paths of the data files, and N is the number of records. psql and
pgbench connect over the unix socket of the private cluster.

```
EOF
cat "$commands"
echo '```'
