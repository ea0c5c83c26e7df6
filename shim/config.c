/*
 * config.c
 *      Options of pstreamd: command line, environment and config file.
 *
 * Every option has a default, so pstreamd runs without any: it listens on
 * 127.0.0.1:8080 and connects with libpq's PG* environment variables. Each
 * option --NAME is also the environment variable PSTREAMD_<NAME> (upper
 * case, "-" as "_") and the line "NAME = value" of the config file. The
 * sources apply in the order default, config file, environment, command
 * line, so the command line wins. Every value is checked by the same
 * function whatever its source, and an invalid one stops the start-up.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "log.h"

enum option_kind
{
	OPTION_TEXT,
	OPTION_INTEGER,
	OPTION_LOG_FORMAT,
	OPTION_SWITCH				/* on or off */
};

struct option_definition
{
	const char *name;
	enum option_kind kind;
	long long	min;			/* range of an OPTION_INTEGER */
	long long	max;
	const char *default_text;
	const char *help;			/* what it sets, its unit and default */
};

/*
 * The upper bounds catch typos; none of them is a limit of the design.
 * The order is that of --help.
 */
static const struct option_definition definitions[] = {
	{"listen", OPTION_TEXT, 0, 0, "127.0.0.1",
	"numeric IPv4 or IPv6 address to listen on (default 127.0.0.1)"},
	{"port", OPTION_INTEGER, 1, 65535, "8080",
	"TCP port to listen on (default 8080)"},
	{"db", OPTION_TEXT, 0, 0, "",
	"libpq connection string or URI; empty uses the PG* environment variables (default empty)"},
	{"pool-size", OPTION_INTEGER, 1, 1000, "8",
	"database connections, which is also the number of requests that run SQL at once (default 8)"},
	{"pool-timeout", OPTION_INTEGER, 0, INT32_MAX, "10000",
	"milliseconds a request waits for a free database connection before it gets 503 with Retry-After; 0 means no limit (default 10000)"},
	{"max-body", OPTION_INTEGER, 0, INT64_MAX / 2, "67108864",
	"maximum request body in bytes; larger bodies get 413 (default 67108864, 64 MiB)"},
	{"max-connections", OPTION_INTEGER, 1, 100000, "1000",
	"maximum open HTTP connections; further connections are closed at once (default 1000)"},
	{"connection-timeout", OPTION_INTEGER, 1, 86400, "60",
	"seconds a connection may stay idle, or send nothing, before it is closed (default 60)"},
	{"request-timeout", OPTION_INTEGER, 1, 86400, "300",
	"seconds from the request line until the whole request body must have arrived; a slower client is disconnected (default 300)"},
	{"statement-timeout", OPTION_INTEGER, 0, INT32_MAX, "0",
	"milliseconds a request's SQL statement may run before it is canceled with 503; 0 means no limit (default 0)"},
	{"shutdown-timeout", OPTION_INTEGER, 0, 86400, "30",
	"seconds that requests in flight get to finish after SIGTERM or SIGINT (default 30)"},
	{"purge-interval", OPTION_INTEGER, 0, 365 * 24 * 3600, "300",
	"seconds between retention purges; 0 disables the purge (default 300)"},
	{"log-format", OPTION_LOG_FORMAT, 0, 0, "text",
	"text or json: the format of log lines (default text)"},
	{"log-file", OPTION_TEXT, 0, 0, "",
	"file that log lines are appended to, reopened on SIGHUP; empty means stderr (default empty)"},
	{"auth", OPTION_SWITCH, 0, 0, "on",
	"on or off: whether every route except /healthz and /api/v2/login needs a login session; off runs every request as the --db role, for local development only (default on)"},
	{"session-ttl", OPTION_INTEGER, 1, 365 * 24 * 3600, "3600",
	"seconds a login session stays valid (default 3600)"},
	{"login-rate-limit", OPTION_INTEGER, 1, 1000000, "5",
	"failed logins per user and per client address within one minute; further attempts get 429 until the minute is over (default 5)"},
	{"tls-cert", OPTION_TEXT, 0, 0, "",
	"PEM file of the TLS certificate (chain); with --tls-key, pstreamd serves HTTPS (default empty: plain HTTP)"},
	{"tls-key", OPTION_TEXT, 0, 0, "",
	"PEM file of the TLS private key, unencrypted; requires --tls-cert (default empty)"},
};

#define OPTION_COUNT (sizeof(definitions) / sizeof(definitions[0]))

/* Strings copied from the config file, freed by config_free. */
static char **owned_strings;
static size_t owned_count;

/* Copy text and keep it until config_free; NULL when out of memory. */
static const char *
keep_string(const char *text)
{
	char	  **grown = realloc(owned_strings,
								(owned_count + 1) * sizeof(*owned_strings));
	char	   *copy = strdup(text);

	if (grown == NULL || copy == NULL)
	{
		free(copy);
		if (grown != NULL)
			owned_strings = grown;
		return NULL;
	}
	owned_strings = grown;
	owned_strings[owned_count++] = copy;
	return copy;
}

void
config_free(void)
{
	for (size_t i = 0; i < owned_count; i++)
		free(owned_strings[i]);
	free(owned_strings);
	owned_strings = NULL;
	owned_count = 0;
}

static const struct option_definition *
find_definition(const char *name)
{
	for (size_t i = 0; i < OPTION_COUNT; i++)
	{
		if (strcmp(definitions[i].name, name) == 0)
			return &definitions[i];
	}
	return NULL;
}

/*
 * Check value and store it in config. label names the option where it was
 * given ("--port", "PSTREAMD_PORT", or the name and the config file line),
 * for the error message. Returns -1 after logging an invalid value.
 */
static int
set_option(struct config *config, const struct option_definition *definition,
		   const char *value, const char *label)
{
	const char *name = definition->name;
	long long	number = 0;

	if (definition->kind == OPTION_INTEGER)
	{
		char	   *end;

		errno = 0;
		number = strtoll(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' ||
			number < definition->min || number > definition->max)
		{
			log_error("invalid value for %s: \"%s\" (expected an integer from %lld to %lld)",
					  label, value, definition->min, definition->max);
			return -1;
		}
	}

	if (strcmp(name, "listen") == 0)
		config->listen_address = value;
	else if (strcmp(name, "port") == 0)
		config->port = (uint16_t) number;
	else if (strcmp(name, "db") == 0)
		config->conninfo = value;
	else if (strcmp(name, "pool-size") == 0)
		config->pool_size = (int) number;
	else if (strcmp(name, "pool-timeout") == 0)
		config->pool_timeout = (unsigned int) number;
	else if (strcmp(name, "max-body") == 0)
		config->max_body = (size_t) number;
	else if (strcmp(name, "max-connections") == 0)
		config->max_connections = (unsigned int) number;
	else if (strcmp(name, "connection-timeout") == 0)
		config->connection_timeout = (unsigned int) number;
	else if (strcmp(name, "request-timeout") == 0)
		config->request_timeout = (unsigned int) number;
	else if (strcmp(name, "statement-timeout") == 0)
		config->statement_timeout = (unsigned int) number;
	else if (strcmp(name, "shutdown-timeout") == 0)
		config->shutdown_timeout = (unsigned int) number;
	else if (strcmp(name, "purge-interval") == 0)
		config->purge_interval = (unsigned int) number;
	else if (strcmp(name, "log-file") == 0)
		config->log_file = value;
	else if (strcmp(name, "session-ttl") == 0)
		config->session_ttl = (unsigned int) number;
	else if (strcmp(name, "login-rate-limit") == 0)
		config->login_rate_limit = (unsigned int) number;
	else if (strcmp(name, "tls-cert") == 0)
		config->tls_cert = value;
	else if (strcmp(name, "tls-key") == 0)
		config->tls_key = value;
	else if (strcmp(name, "auth") == 0)
	{
		if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0)
		{
			log_error("invalid value for %s: \"%s\" (expected on or off)",
					  label, value);
			return -1;
		}
		config->auth = strcmp(value, "on") == 0;
	}
	else if (strcmp(name, "log-format") == 0)
	{
		if (strcmp(value, "text") != 0 && strcmp(value, "json") != 0)
		{
			log_error("invalid value for %s: \"%s\" (expected text or json)",
					  label, value);
			return -1;
		}
		config->log_json = strcmp(value, "json") == 0;
	}
	return 0;
}

/* Remove leading and trailing white space in place. */
static char *
trim(char *text)
{
	char	   *end;

	while (isspace((unsigned char) *text))
		text++;
	end = text + strlen(text);
	while (end > text && isspace((unsigned char) end[-1]))
		end--;
	*end = '\0';
	return text;
}

/*
 * Read "name = value" lines. Blank lines and lines starting with "#" are
 * skipped; the value is taken as it is after trimming (no quotes).
 */
static int
read_config_file(struct config *config, const char *path)
{
	FILE	   *file = fopen(path, "r");
	char		line[4096];
	int			line_number = 0;
	int			status = 0;

	if (file == NULL)
	{
		log_error("could not open config file \"%s\": %s", path,
				  strerror(errno));
		return -1;
	}

	while (status == 0 && fgets(line, sizeof(line), file) != NULL)
	{
		char	   *text = trim(line);
		char	   *equals = strchr(text, '=');
		const struct option_definition *definition;
		char		source[300];
		char		label[400];
		const char *value;

		line_number++;
		if (*text == '\0' || *text == '#')
			continue;
		snprintf(source, sizeof(source), "config file \"%s\" line %d",
				 path, line_number);
		if (equals == NULL)
		{
			log_error("invalid line in %s: expected name = value", source);
			status = -1;
			break;
		}
		*equals = '\0';
		definition = find_definition(trim(text));
		if (definition == NULL)
		{
			log_error("unknown option \"%s\" in %s", trim(text), source);
			status = -1;
			break;
		}
		value = keep_string(trim(equals + 1));
		if (value == NULL)
		{
			log_error("out of memory reading %s", source);
			status = -1;
			break;
		}
		snprintf(label, sizeof(label), "%s in %s", definition->name, source);
		status = set_option(config, definition, value, label);
	}
	fclose(file);
	return status;
}

/*
 * Return whether name is a known PSTREAMD_<NAME> variable: an option's, or
 * PSTREAMD_CONFIG.
 */
static bool
is_known_variable(const char *variable, size_t length)
{
	if (length == strlen("PSTREAMD_CONFIG") &&
		strncmp(variable, "PSTREAMD_CONFIG", length) == 0)
		return true;

	for (size_t i = 0; i < OPTION_COUNT; i++)
	{
		const char *name = definitions[i].name;
		size_t		name_length = strlen(name);
		size_t		j;

		if (length != strlen("PSTREAMD_") + name_length)
			continue;
		for (j = 0; j < name_length; j++)
		{
			char		expected = name[j] == '-' ? '_' : (char) toupper((unsigned char) name[j]);

			if (variable[strlen("PSTREAMD_") + j] != expected)
				break;
		}
		if (j == name_length)
			return true;
	}
	return false;
}

/*
 * Reject PSTREAMD_* variables that name no option, because a misspelt
 * variable would otherwise leave the default in force without a word.
 */
static int
check_environment(void)
{
	extern char **environ;

	for (char **entry = environ; *entry != NULL; entry++)
	{
		const char *equals = strchr(*entry, '=');
		size_t		length = equals ? (size_t) (equals - *entry) : strlen(*entry);

		if (strncmp(*entry, "PSTREAMD_", strlen("PSTREAMD_")) != 0)
			continue;
		if (!is_known_variable(*entry, length))
		{
			log_error("unknown environment variable \"%.*s\"; run pstreamd --help for the options",
					  (int) length, *entry);
			return -1;
		}
	}
	return 0;
}

/*
 * Reject "--pool=3" for "--pool-size=3": getopt_long accepts any unambiguous
 * prefix, which would make a typo look like a valid option.
 */
static int
check_full_option_names(int argc, char **argv, const struct option *options)
{
	for (int i = 1; i < argc; i++)
	{
		const char *argument = argv[i];
		size_t		length;
		bool		known = false;

		if (strcmp(argument, "--") == 0)
			break;
		if (strncmp(argument, "--", 2) != 0)
			continue;
		argument += 2;
		length = strcspn(argument, "=");
		for (const struct option *option = options; option->name != NULL; option++)
			if (strlen(option->name) == length &&
				strncmp(option->name, argument, length) == 0)
				known = true;
		if (!known)
		{
			log_error("unknown option \"--%.*s\"; run pstreamd --help for the list",
					  (int) length, argument);
			return -1;
		}
	}
	return 0;
}

/* Apply the PSTREAMD_<NAME> environment variables that are set. */
static int
read_environment(struct config *config)
{
	for (size_t i = 0; i < OPTION_COUNT; i++)
	{
		char		variable[64] = "PSTREAMD_";
		size_t		length = strlen(variable);
		const char *value;

		for (const char *c = definitions[i].name; *c != '\0'; c++)
			variable[length++] = *c == '-' ? '_' : (char) toupper((unsigned char) *c);
		variable[length] = '\0';

		value = getenv(variable);
		if (value != NULL &&
			set_option(config, &definitions[i], value, variable) < 0)
			return -1;
	}
	return 0;
}

static void
print_help(void)
{
	printf("pstreamd serves the persistent-streams REST API over HTTP on top of the\n"
		   "pstream extension of PostgreSQL.\n\n"
		   "Usage: pstreamd [OPTION]...\n\n"
		   "Each option --NAME=VALUE can also be given as the environment variable\n"
		   "PSTREAMD_<NAME> (upper case, \"-\" as \"_\") or as a line \"NAME = VALUE\" of the\n"
		   "config file. The command line wins over the environment, which wins over\n"
		   "the config file.\n\nOptions:\n");
	for (size_t i = 0; i < OPTION_COUNT; i++)
		printf("  --%s=VALUE\n      %s\n", definitions[i].name,
			   definitions[i].help);
	printf("  --config=FILE\n      config file to read; also PSTREAMD_CONFIG (default none)\n"
		   "  --help\n      print this help and exit\n"
		   "  --version\n      print the version and exit\n");
}

enum config_result
config_parse(int argc, char **argv, struct config *config)
{
	struct option options[OPTION_COUNT + 4];
	const char *config_file = getenv("PSTREAMD_CONFIG");
	int			option;
	int			index;

	for (size_t i = 0; i < OPTION_COUNT; i++)
	{
		options[i] = (struct option) {definitions[i].name, required_argument, NULL, 0};
		if (set_option(config, &definitions[i], definitions[i].default_text,
					   definitions[i].name) < 0)
			return CONFIG_EXIT_ERROR;
	}
	options[OPTION_COUNT] = (struct option) {"config", required_argument, NULL, 'c'};
	options[OPTION_COUNT + 1] = (struct option) {"help", no_argument, NULL, 'h'};
	options[OPTION_COUNT + 2] = (struct option) {"version", no_argument, NULL, 'V'};
	options[OPTION_COUNT + 3] = (struct option) {NULL, 0, NULL, 0};

	if (check_full_option_names(argc, argv, options) < 0 ||
		check_environment() < 0)
		return CONFIG_EXIT_ERROR;

	/*
	 * First pass: only --help, --version and --config, because the config
	 * file applies before the environment and the other options.
	 */
	opterr = 0;
	while ((option = getopt_long(argc, argv, "", options, &index)) != -1)
	{
		if (option == 'h')
		{
			print_help();
			return CONFIG_EXIT_OK;
		}
		if (option == 'V')
		{
			printf("pstreamd %s\n", PSTREAMD_VERSION);
			return CONFIG_EXIT_OK;
		}
		if (option == 'c')
			config_file = optarg;
	}

	if (config_file != NULL && config_file[0] != '\0' &&
		read_config_file(config, config_file) < 0)
		return CONFIG_EXIT_ERROR;
	if (read_environment(config) < 0)
		return CONFIG_EXIT_ERROR;

	/* Second pass: every other option, with getopt's own messages. */
	optind = 1;
	opterr = 1;
	while ((option = getopt_long(argc, argv, "", options, &index)) != -1)
	{
		if (option == 0)
		{
			char		source[80];

			snprintf(source, sizeof(source), "--%s", definitions[index].name);
			if (set_option(config, &definitions[index], optarg, source) < 0)
				return CONFIG_EXIT_ERROR;
		}
		else if (option == '?' || option == ':')
		{
			log_error("invalid command-line option; run pstreamd --help for the list");
			return CONFIG_EXIT_ERROR;
		}
	}

	if (optind < argc)
	{
		log_error("unexpected argument \"%s\"; pstreamd takes options only",
				  argv[optind]);
		return CONFIG_EXIT_ERROR;
	}
	if ((config->tls_cert[0] == '\0') != (config->tls_key[0] == '\0'))
	{
		log_error("invalid TLS options: --tls-cert and --tls-key must be given together");
		return CONFIG_EXIT_ERROR;
	}
	return CONFIG_RUN;
}

/*
 * Format conninfo for the log with its password replaced by "********".
 * libpq parses both the keyword=value and the URI form.
 */
static void
mask_conninfo(const char *conninfo, char *buffer, size_t size)
{
	PQconninfoOption *options = PQconninfoParse(conninfo, NULL);
	size_t		used = 0;

	buffer[0] = '\0';
	if (options == NULL)
	{
		snprintf(buffer, size, "(unparsable connection string)");
		return;
	}
	for (PQconninfoOption *o = options; o->keyword != NULL; o++)
	{
		const char *value = o->val;
		int			written;

		if (value == NULL)
			continue;
		if (strcmp(o->keyword, "password") == 0)
			value = "********";
		written = snprintf(buffer + used, size - used, "%s%s='%s'",
						   used > 0 ? " " : "", o->keyword, value);
		if (written < 0 || (size_t) written >= size - used)
			break;
		used += (size_t) written;
	}
	PQconninfoFree(options);
}

void
config_log(const struct config *config)
{
	char		conninfo[1024];

	mask_conninfo(config->conninfo, conninfo, sizeof(conninfo));
	log_info("pstreamd %s starting with listen=%s port=%u db=\"%s\" pool-size=%d "
			 "pool-timeout=%ums max-body=%zu max-connections=%u connection-timeout=%us "
			 "request-timeout=%us statement-timeout=%ums shutdown-timeout=%us purge-interval=%us "
			 "log-format=%s log-file=\"%s\" auth=%s session-ttl=%us "
			 "login-rate-limit=%u tls-cert=\"%s\" tls-key=\"%s\"",
			 PSTREAMD_VERSION, config->listen_address, config->port, conninfo,
			 config->pool_size, config->pool_timeout, config->max_body, config->max_connections,
			 config->connection_timeout, config->request_timeout,
			 config->statement_timeout,
			 config->shutdown_timeout, config->purge_interval,
			 config->log_json ? "json" : "text", config->log_file,
			 config->auth ? "on" : "off", config->session_ttl,
			 config->login_rate_limit, config->tls_cert, config->tls_key);
	if (!config->auth)
		log_warning("authentication is off (--auth=off): every request runs with the privileges of the --db role; use this for local development only");
}
