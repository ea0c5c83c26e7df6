/*
 * gen.c: generate reproducible alert and inventory records for the
 * benchmarks.
 *
 * Record i depends only on (seed, i), through a splitmix64 stream started
 * from both, so any slice of a data set can be regenerated alone and two runs
 * with the same arguments write the same bytes. Each record has 14 common
 * fields, the fields of its kind (alert or inventory) and a random subset of
 * 8 optional ones, 20 to 30 top-level fields in all:
 *
 *   timestamp     ISO-8601 UTC, base time + (i + key offset) seconds plus up
 *                 to 0.999 s, so a window of 100 s contains about 100 records
 *   asset_id      "asset-NNNNN", 10,000 values: one value is 1/10,000 of the
 *                 records (about 100 of 1M)
 *   rule_id       "rule-NNNNN", 30,000 values: three of them are about 100
 *                 of 1M
 *   metric_value  a number from 0 to 1,000,000 with two decimals, so a
 *                 range 100 wide holds about 100 of 1M
 *   message       20 to 300 characters of words, quotes, backslashes and
 *                 non-ASCII letters, with a token "REF-NNNNN" (10,000
 *                 values) for substring searches
 *   priority      an integer from 1 to 10: one value is 10% of the records
 *   alert_id      "AL-NNNNNNNN" from i + key offset, unique within a set
 *   severity, status, record_type: a few values each
 *   location, labels: nested objects
 *
 * Outputs, both optional:
 *   --batches FILE  one JSON array of up to --batch-size records per line,
 *                   the body of one pstream_add call or POST
 *   --copy FILE     COPY text rows "id TAB ts TAB data" for a plain table
 *                   with the columns of a pstream's table. id is 32 hex
 *                   digits from the generator, ts the record's timestamp and
 *                   data the record plus "_RDA_Id": id, so the rows have the
 *                   shape that pstream_add stores. The batches carry no
 *                   _RDA_Id: pstream_add makes its own.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* 2026-01-01T00:00:00Z in seconds since 1970. */
#define BASE_EPOCH 1767225600LL

struct rng
{
	uint64_t	state;
};

struct buffer
{
	char	   *data;
	size_t		length;
	size_t		capacity;
};

static uint64_t
rng_next(struct rng *rng)
{
	uint64_t	z = (rng->state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Returns a uniform integer from 0 to bound - 1 (bound > 0). */
static uint64_t
rng_below(struct rng *rng, uint64_t bound)
{
	return rng_next(rng) % bound;
}

static void
rng_seed(struct rng *rng, uint64_t seed, uint64_t index, uint64_t purpose)
{
	rng->state = seed * 0xD1B54A32D192ED03ULL ^ index * 0x9E3779B97F4A7C15ULL ^
		purpose * 0xA0761D6478BD642FULL;
	rng_next(rng);
}

static void
buffer_reserve(struct buffer *buffer, size_t extra)
{
	if (buffer->length + extra + 1 <= buffer->capacity)
		return;
	while (buffer->length + extra + 1 > buffer->capacity)
		buffer->capacity = buffer->capacity ? buffer->capacity * 2 : 4096;
	buffer->data = realloc(buffer->data, buffer->capacity);
	if (buffer->data == NULL)
	{
		fprintf(stderr, "gen: out of memory\n");
		exit(1);
	}
}

static void
buffer_append(struct buffer *buffer, const char *text, size_t length)
{
	buffer_reserve(buffer, length);
	memcpy(buffer->data + buffer->length, text, length);
	buffer->length += length;
	buffer->data[buffer->length] = '\0';
}

static void
buffer_printf(struct buffer *buffer, const char *format,...)
__attribute__((format(printf, 2, 3)));

static void
buffer_printf(struct buffer *buffer, const char *format,...)
{
	va_list		args;
	int			length;

	va_start(args, format);
	length = vsnprintf(NULL, 0, format, args);
	va_end(args);
	buffer_reserve(buffer, (size_t) length);
	va_start(args, format);
	vsnprintf(buffer->data + buffer->length, (size_t) length + 1, format, args);
	va_end(args);
	buffer->length += (size_t) length;
}

/* Appends a JSON string, escaping quotes, backslashes and control bytes. */
static void
append_json_string(struct buffer *buffer, const char *text)
{
	buffer_append(buffer, "\"", 1);
	for (const char *p = text; *p; p++)
	{
		if (*p == '"' || *p == '\\')
		{
			buffer_append(buffer, "\\", 1);
			buffer_append(buffer, p, 1);
		}
		else if ((unsigned char) *p < 0x20)
			buffer_printf(buffer, "\\u%04x", (unsigned char) *p);
		else
			buffer_append(buffer, p, 1);
	}
	buffer_append(buffer, "\"", 1);
}

static void
append_key(struct buffer *buffer, bool *first, const char *key)
{
	if (!*first)
		buffer_append(buffer, ",", 1);
	*first = false;
	append_json_string(buffer, key);
	buffer_append(buffer, ":", 1);
}

static void
field_string(struct buffer *buffer, bool *first, const char *key, const char *value)
{
	append_key(buffer, first, key);
	append_json_string(buffer, value);
}

static void
field_raw(struct buffer *buffer, bool *first, const char *key, const char *value)
{
	append_key(buffer, first, key);
	buffer_append(buffer, value, strlen(value));
}

static void
format_time(char *out, size_t size, long long epoch_seconds, unsigned millis)
{
	time_t		seconds = (time_t) epoch_seconds;
	struct tm	tm;
	char		date[32];

	gmtime_r(&seconds, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, size, "%s.%03uZ", date, millis);
}

static const char *const words[] = {
	"disk", "latency", "above", "threshold", "on", "node", "service",
	"restarted", "after", "health", "check", "failed", "packet", "loss",
	"detected", "between", "switch", "and", "router", "memory", "pressure",
	"high", "CPU", "usage", "interface", "flapping", "certificate", "expires",
	"soon", "backup", "job", "completed", "with", "warnings", "\"quoted\"",
	"C:\\temp\\log", "Zürich", "São-Paulo", "naïve", "timeout", "retry",
};

#define lengthof(array) (sizeof(array) / sizeof((array)[0]))

static void
make_message(struct rng *rng, char *out, size_t size)
{
	size_t		target = 20 + rng_below(rng, 281);
	size_t		used;
	size_t		token_at;

	used = (size_t) snprintf(out, size, "REF-%05" PRIu64, rng_below(rng, 10000));
	token_at = rng_below(rng, 4);
	if (token_at != 0)
	{
		/* Move the token behind a few words, so it is not always first. */
		char		token[16];

		memcpy(token, out, used + 1);
		used = 0;
		for (size_t w = 0; w < token_at; w++)
			used += (size_t) snprintf(out + used, size - used, "%s ",
									  words[rng_below(rng, lengthof(words))]);
		used += (size_t) snprintf(out + used, size - used, "%s", token);
	}
	while (used < target && used + 32 < size)
		used += (size_t) snprintf(out + used, size - used, " %s",
								  words[rng_below(rng, lengthof(words))]);
}

static const char *const severities[] = {"critical", "major", "minor", "warning", "info"};
static const char *const statuses[] = {"open", "acknowledged", "resolved", "closed"};
static const char *const datacenters[] = {"dc-east-1", "dc-east-2", "dc-west-1", "dc-eu-1", "dc-ap-1"};
static const char *const sources[] = {"prometheus", "zabbix", "nagios", "splunk", "datadog", "syslog", "snmp", "vcenter"};
static const char *const vendors[] = {"Dell", "HPE", "Cisco", "Juniper", "Lenovo", "Supermicro", "Arista"};
static const char *const systems[] = {"Ubuntu", "RHEL", "Debian", "Windows Server", "ESXi", "NX-OS"};
static const char *const teams[] = {"network", "storage", "compute", "database", "platform", "security"};

#define pick(rng, array) ((array)[rng_below((rng), lengthof(array))])

static void
add_alert_fields(struct buffer *buffer, bool *first, struct rng *rng, long long when)
{
	char		text[64];

	field_string(buffer, first, "source", pick(rng, sources));
	snprintf(text, sizeof(text), "%" PRIu64, 1 + rng_below(rng, 1000));
	field_raw(buffer, first, "count", text);
	format_time(text, sizeof(text), when - (long long) rng_below(rng, 86400), 0);
	field_string(buffer, first, "first_seen", text);
	field_raw(buffer, first, "escalated", rng_below(rng, 10) == 0 ? "true" : "false");
	snprintf(text, sizeof(text), "user%03" PRIu64, rng_below(rng, 200));
	field_string(buffer, first, "assignee", text);
	field_string(buffer, first, "category", pick(rng, teams));
}

static void
add_inventory_fields(struct buffer *buffer, bool *first, struct rng *rng, long long when)
{
	char		text[64];

	field_string(buffer, first, "vendor", pick(rng, vendors));
	snprintf(text, sizeof(text), "M%04" PRIu64 "-%c", rng_below(rng, 5000),
			 (char) ('A' + rng_below(rng, 26)));
	field_string(buffer, first, "model", text);
	snprintf(text, sizeof(text), "SN%012" PRIu64, rng_below(rng, 1000000000000ULL));
	field_string(buffer, first, "serial", text);
	snprintf(text, sizeof(text), "%" PRIu64, 2 + 2 * rng_below(rng, 64));
	field_raw(buffer, first, "cpu_count", text);
	snprintf(text, sizeof(text), "%" PRIu64, (uint64_t) 4 << rng_below(rng, 8));
	field_raw(buffer, first, "memory_gb", text);
	field_string(buffer, first, "os", pick(rng, systems));
	format_time(text, sizeof(text), when - 86400LL * (long long) rng_below(rng, 2000), 0);
	field_string(buffer, first, "purchased_at", text);
	field_raw(buffer, first, "in_service", rng_below(rng, 20) == 0 ? "false" : "true");
}

/* Appends up to 8 optional fields of mixed types, each present half the time. */
static void
add_optional_fields(struct buffer *buffer, bool *first, struct rng *rng)
{
	char		key[16];
	char		text[96];

	for (int n = 1; n <= 8; n++)
	{
		if (rng_below(rng, 2) == 0)
			continue;
		snprintf(key, sizeof(key), "attr_%02d", n);
		switch (n % 4)
		{
			case 0:
				snprintf(text, sizeof(text), "%" PRIu64, rng_below(rng, 100000));
				field_raw(buffer, first, key, text);
				break;
			case 1:
				field_raw(buffer, first, key, rng_below(rng, 2) ? "true" : "false");
				break;
			case 2:
				{
					size_t		length = 1 + rng_below(rng, 80);

					for (size_t c = 0; c < length; c++)
						text[c] = (char) ('a' + rng_below(rng, 26));
					text[length] = '\0';
					field_string(buffer, first, key, text);
					break;
				}
			default:
				snprintf(text, sizeof(text), "%" PRIu64 ".%02" PRIu64,
						 rng_below(rng, 1000), rng_below(rng, 100));
				field_raw(buffer, first, key, text);
				break;
		}
	}
}

/*
 * Appends record `index` as a JSON object; with `id` set, adds "_RDA_Id".
 * Writes the record's timestamp to `timestamp`.
 */
static void
append_record(struct buffer *buffer, uint64_t seed, uint64_t index,
			  uint64_t key_offset, const char *id, char *timestamp, size_t timestamp_size)
{
	struct rng	rng;
	bool		first = true;
	bool		is_alert;
	long long	when = BASE_EPOCH + (long long) (index + key_offset);
	char		text[512];

	rng_seed(&rng, seed, index, 1);
	is_alert = rng_below(&rng, 10) < 7;

	buffer_append(buffer, "{", 1);
	format_time(timestamp, timestamp_size, when, (unsigned) rng_below(&rng, 1000));
	field_string(buffer, &first, "timestamp", timestamp);
	field_string(buffer, &first, "record_type", is_alert ? "alert" : "inventory");
	snprintf(text, sizeof(text), "AL-%08" PRIu64, index + key_offset);
	field_string(buffer, &first, "alert_id", text);
	snprintf(text, sizeof(text), "asset-%05" PRIu64, rng_below(&rng, 10000));
	field_string(buffer, &first, "asset_id", text);
	snprintf(text, sizeof(text), "rule-%05" PRIu64, rng_below(&rng, 30000));
	field_string(buffer, &first, "rule_id", text);
	field_string(buffer, &first, "severity", pick(&rng, severities));
	field_string(buffer, &first, "status", pick(&rng, statuses));
	snprintf(text, sizeof(text), "%" PRIu64, 1 + rng_below(&rng, 10));
	field_raw(buffer, &first, "priority", text);
	snprintf(text, sizeof(text), "%" PRIu64 ".%02" PRIu64,
			 rng_below(&rng, 1000000), rng_below(&rng, 100));
	field_raw(buffer, &first, "metric_value", text);
	make_message(&rng, text, sizeof(text));
	field_string(buffer, &first, "message", text);
	field_raw(buffer, &first, "acknowledged", rng_below(&rng, 3) == 0 ? "true" : "false");
	snprintf(text, sizeof(text), "host-%04" PRIu64 ".example.net", rng_below(&rng, 2000));
	field_string(buffer, &first, "host", text);
	snprintf(text, sizeof(text),
			 "{\"dc\":\"%s\",\"rack\":\"R%02" PRIu64 "\",\"row\":%" PRIu64 "}",
			 pick(&rng, datacenters), rng_below(&rng, 40), rng_below(&rng, 12));
	field_raw(buffer, &first, "location", text);
	snprintf(text, sizeof(text), "{\"team\":\"%s\",\"env\":\"%s\",\"tier\":%" PRIu64 "}",
			 pick(&rng, teams), rng_below(&rng, 4) ? "prod" : "staging",
			 1 + rng_below(&rng, 3));
	field_raw(buffer, &first, "labels", text);

	if (is_alert)
		add_alert_fields(buffer, &first, &rng, when);
	else
		add_inventory_fields(buffer, &first, &rng, when);
	add_optional_fields(buffer, &first, &rng);

	if (id != NULL)
		field_string(buffer, &first, "_RDA_Id", id);
	buffer_append(buffer, "}", 1);
}

/* Writes `text` as a COPY text field: backslash, tab, CR and LF escaped. */
static void
write_copy_field(FILE *out, const char *text, size_t length)
{
	for (size_t i = 0; i < length; i++)
	{
		switch (text[i])
		{
			case '\\':
				fputs("\\\\", out);
				break;
			case '\t':
				fputs("\\t", out);
				break;
			case '\n':
				fputs("\\n", out);
				break;
			case '\r':
				fputs("\\r", out);
				break;
			default:
				fputc(text[i], out);
		}
	}
}

static void
usage(void)
{
	fprintf(stderr,
			"usage: gen --count N [--seed S] [--key-offset K] [--batch-size B]\n"
			"           [--batches FILE] [--copy FILE]\n"
			"  --count       number of records\n"
			"  --seed        seed of the data set (default 1)\n"
			"  --key-offset  added to the record index in alert_id and timestamp (default 0)\n"
			"  --batch-size  records per line of --batches (default 1000)\n"
			"  --batches     output: one JSON array per line\n"
			"  --copy        output: COPY text rows id, ts, data\n");
	exit(2);
}

static uint64_t
parse_count(const char *option, const char *text)
{
	char	   *end;
	unsigned long long value;

	errno = 0;
	value = strtoull(text, &end, 10);
	if (errno != 0 || *text == '\0' || *end != '\0' || text[0] == '-')
	{
		fprintf(stderr, "gen: invalid %s \"%s\": expected a non-negative integer\n", option, text);
		exit(2);
	}
	return value;
}

static FILE *
open_output(const char *path)
{
	FILE	   *file = fopen(path, "w");

	if (file == NULL)
	{
		fprintf(stderr, "gen: cannot open \"%s\": %s\n", path, strerror(errno));
		exit(1);
	}
	return file;
}

static void
close_output(FILE *file, const char *path)
{
	if (ferror(file) || fclose(file) != 0)
	{
		fprintf(stderr, "gen: writing \"%s\" failed: %s\n", path, strerror(errno));
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	uint64_t	count = 0;
	uint64_t	seed = 1;
	uint64_t	key_offset = 0;
	uint64_t	batch_size = 1000;
	const char *batches_path = NULL;
	const char *copy_path = NULL;
	FILE	   *batches = NULL;
	FILE	   *copy = NULL;
	struct buffer record = {0};

	for (int i = 1; i < argc; i++)
	{
		const char *option = argv[i];

		if (i + 1 >= argc)
			usage();
		if (strcmp(option, "--count") == 0)
			count = parse_count(option, argv[++i]);
		else if (strcmp(option, "--seed") == 0)
			seed = parse_count(option, argv[++i]);
		else if (strcmp(option, "--key-offset") == 0)
			key_offset = parse_count(option, argv[++i]);
		else if (strcmp(option, "--batch-size") == 0)
			batch_size = parse_count(option, argv[++i]);
		else if (strcmp(option, "--batches") == 0)
			batches_path = argv[++i];
		else if (strcmp(option, "--copy") == 0)
			copy_path = argv[++i];
		else
			usage();
	}
	if (count == 0 || batch_size == 0 || (batches_path == NULL && copy_path == NULL))
		usage();

	if (batches_path != NULL)
		batches = open_output(batches_path);
	if (copy_path != NULL)
		copy = open_output(copy_path);

	for (uint64_t index = 0; index < count; index++)
	{
		char		timestamp[40];

		if (batches != NULL)
		{
			record.length = 0;
			append_record(&record, seed, index, key_offset, NULL, timestamp, sizeof(timestamp));
			fputc(index % batch_size == 0 ? '[' : ',', batches);
			fwrite(record.data, 1, record.length, batches);
			if (index % batch_size == batch_size - 1 || index == count - 1)
				fputs("]\n", batches);
		}
		if (copy != NULL)
		{
			struct rng	id_rng;
			char		id[33];

			rng_seed(&id_rng, seed, index, 2);
			snprintf(id, sizeof(id), "%016" PRIx64 "%016" PRIx64,
					 rng_next(&id_rng), rng_next(&id_rng));
			record.length = 0;
			append_record(&record, seed, index, key_offset, id, timestamp, sizeof(timestamp));
			fprintf(copy, "%s\t%s\t", id, timestamp);
			write_copy_field(copy, record.data, record.length);
			fputc('\n', copy);
		}
	}

	if (batches != NULL)
		close_output(batches, batches_path);
	if (copy != NULL)
		close_output(copy, copy_path);
	free(record.data);
	return 0;
}
