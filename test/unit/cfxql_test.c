/*
 * cfxql_test.c
 *	  Unit tests of the CFXQL compiler core: tokens, syntax trees, syntax
 *	  errors with their positions, generated SQL (golden strings), and the
 *	  API contracts (memory hooks, quoting hook, projection, limits).
 *
 * Tables hold the cases; each failing case prints the query, the expected
 * and the actual text.  The program ends with "N passed, N failed" and exits
 * non-zero on any failure.  The meaning of the generated SQL is checked
 * against PostgreSQL by semantics.sh, not here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfxql_int.h"

typedef struct LexCase
{
	const char *query;
	const char *tokens;
} LexCase;

typedef struct ParseCase
{
	const char *query;
	const char *tree;
} ParseCase;

typedef struct ErrorCase
{
	const char *query;
	const char *message;
} ErrorCase;

typedef struct SqlCase
{
	const char *query;
	bool		case_sensitive;
	const char *sql;
} SqlCase;

static int	passed;
static int	failed;

static void
check_text(const char *what, const char *query, const char *expected, const char *actual)
{
	if (actual != NULL && strcmp(expected, actual) == 0)
	{
		passed++;
		return;
	}
	failed++;
	printf("FAIL %s: %s\n  expected: %s\n  actual:   %s\n", what, query, expected,
		   actual ? actual : "(null)");
}

static void
check(bool condition, const char *what)
{
	if (condition)
		passed++;
	else
	{
		failed++;
		printf("FAIL %s\n", what);
	}
}

static const LexCase lex_cases[] = {
	{"severity = 'major'", "NAME(severity) EQ STRING(major) END"},
	{"a==1 && b!=2 || c<>3", "NAME(a) EQ NUMBER(1) AND NAME(b) NE NUMBER(2) OR NAME(c) NE NUMBER(3) END"},
	{"x > 1 and y >= -2.5e3 or z < +4 AND w <= 0", "NAME(x) GT NUMBER(1) KEYWORD(and) NAME(y) GE NUMBER(-2.5e3) KEYWORD(or) NAME(z) LT NUMBER(+4) KEYWORD(and) NAME(w) LE NUMBER(0) END"},
	{"a ~ 'x' b !~ 'y' c ? 'z' d !? 'w' e ^~ 'v' f !^~ 'u' g ~$ 't' h !~$ 's'", "NAME(a) CONTAINS STRING(x) NAME(b) NOT_CONTAINS STRING(y) NAME(c) MATCHES STRING(z) NAME(d) NOT_MATCHES STRING(w) NAME(e) STARTS STRING(v) NAME(f) NOT_STARTS STRING(u) NAME(g) ENDS STRING(t) NAME(h) NOT_ENDS STRING(s) END"},
	{"x not-in [1, 2] & y not in 3 | z", "NAME(x) NOT_IN LBRACKET NUMBER(1) COMMA NUMBER(2) RBRACKET AND NAME(y) KEYWORD(not) KEYWORD(in) NUMBER(3) OR NAME(z) END"},
	{"`zip-code` `a``b` \"dq\\\"x\" 'it''s' 'a\\\\b'", "QUOTED_NAME(zip-code) QUOTED_NAME(a`b) STRING(dq\"x) STRING(it's) STRING(a\\b) END"},
	{"NOT Is In As GeT To NULL None TRUE false", "KEYWORD(not) KEYWORD(is) KEYWORD(in) KEYWORD(as) KEYWORD(get) KEYWORD(to) KEYWORD(null) KEYWORD(none) KEYWORD(true) KEYWORD(false) END"},
	{"contain contains has match matches start starts end ends with does", "KEYWORD(contain) KEYWORD(contains) KEYWORD(has) KEYWORD(match) KEYWORD(matches) KEYWORD(start) KEYWORD(starts) KEYWORD(end) KEYWORD(ends) KEYWORD(with) KEYWORD(does) END"},
	{"equal equals greater less than gt gte lt lte one of among any", "KEYWORD(equal) KEYWORD(equals) KEYWORD(greater) KEYWORD(less) KEYWORD(than) KEYWORD(gt) KEYWORD(gte) KEYWORD(lt) KEYWORD(lte) KEYWORD(one) KEYWORD(of) KEYWORD(among) KEYWORD(any) END"},
	{"before after during notnull notduring empty this last now today yesterday", "KEYWORD(before) KEYWORD(after) KEYWORD(during) KEYWORD(notnull) KEYWORD(notduring) KEYWORD(empty) KEYWORD(this) KEYWORD(last) KEYWORD(now) KEYWORD(today) KEYWORD(yesterday) END"},
	{"ts after -10days", "NAME(ts) KEYWORD(after) NUMBER(-10) NAME(days) END"},
	{"* GET a, b as 'B'", "STAR KEYWORD(get) NAME(a) COMMA NAME(b) KEYWORD(as) STRING(B) END"},
	{"x = 0.5e-3 y = 1E+2", "NAME(x) EQ NUMBER(0.5e-3) NAME(y) EQ NUMBER(1E+2) END"},
	{"\tx\r\n=\n1 ", "NAME(x) EQ NUMBER(1) END"},
};

static const ParseCase parse_cases[] = {
	{"severity = 'major'", "(eq `severity` 'major')"},
	{"a = 1 or b = 2 and c = 3", "(or (eq `a` 1) (and (eq `b` 2) (eq `c` 3)))"},
	{"(a = 1 or b = 2) and c = 3", "(and (or (eq `a` 1) (eq `b` 2)) (eq `c` 3))"},
	{"not a = 1 and not not b = 2", "(and (not (eq `a` 1)) (not (not (eq `b` 2))))"},
	{"a = 1 and b = 2 and c = 3 or d = 4 or e = 5", "(or (and (eq `a` 1) (eq `b` 2) (eq `c` 3)) (eq `d` 4) (eq `e` 5))"},
	{"x is equal to 1", "(eq `x` 1)"},
	{"x is not equal to 1", "(ne `x` 1)"},
	{"x not equals 1", "(ne `x` 1)"},
	{"x is not 1", "(ne `x` 1)"},
	{"x is greater than 1", "(gt `x` 1)"},
	{"x is greater than or equal to 1", "(ge `x` 1)"},
	{"x is less than 1", "(lt `x` 1)"},
	{"x is less than or equal to 1", "(le `x` 1)"},
	{"x gt 1", "(gt `x` 1)"},
	{"x gte 1", "(ge `x` 1)"},
	{"x lt 1", "(lt `x` 1)"},
	{"x lte 1", "(le `x` 1)"},
	{"x has 'a'", "(contains `x` 'a')"},
	{"x does not contain 'a'", "(not_contains `x` 'a')"},
	{"x not contains 'a'", "(not_contains `x` 'a')"},
	{"x matches 'a'", "(matches `x` 'a')"},
	{"x does not match 'a'", "(not_matches `x` 'a')"},
	{"x starts with 'a'", "(starts `x` 'a')"},
	{"x start with 'a'", "(starts `x` 'a')"},
	{"x does not start with 'a'", "(not_starts `x` 'a')"},
	{"x ends with 'a'", "(ends `x` 'a')"},
	{"x does not end with 'a'", "(not_ends `x` 'a')"},
	{"x in [1, 'a', true, null]", "(in `x` [1 'a' true null])"},
	{"x in 1, 2", "(in `x` [1 2])"},
	{"x is in [1]", "(in `x` [1])"},
	{"x is one of 1", "(in `x` [1])"},
	{"x is among [1]", "(in `x` [1])"},
	{"x is any of [1]", "(in `x` [1])"},
	{"x not in [1]", "(not_in `x` [1])"},
	{"x is not in 1", "(not_in `x` [1])"},
	{"x is not one of 1", "(not_in `x` [1])"},
	{"x is not among 1", "(not_in `x` [1])"},
	{"x is not any of 1", "(not_in `x` [1])"},
	{"x not-in 1", "(not_in `x` [1])"},
	{"x is null", "(is_null `x`)"},
	{"x is none", "(is_null `x`)"},
	{"x is empty", "(is_null `x`)"},
	{"x is not null", "(is_not_null `x`)"},
	{"x notnull", "(is_not_null `x`)"},
	{"x is not none", "(is_not_null `x`)"},
	{"x is not empty", "(is_not_null `x`)"},
	{"x before now", "(before `x` words:now)"},
	{"x is before today", "(before `x` words:today)"},
	{"x after yesterday", "(after `x` words:yesterday)"},
	{"x is after 'Jan 1, 2022 10am'", "(after `x` text:'Jan 1, 2022 10am')"},
	{"x during this week", "(during `x` words:this:week)"},
	{"x is during last month", "(during `x` words:last:month)"},
	{"x not during CY2022", "(not_during `x` words:CY2022)"},
	{"x notduring '2024-11-20'", "(not_during `x` text:'2024-11-20')"},
	{"x is not during 1700000000000 to +1 hour", "(not_during `x` epoch:1700000000000 relative:+1:hour)"},
	{"x during -2 days to now", "(during `x` relative:-2:days words:now)"},
	{"a = b", "(eq `a` `b`)"},
	{"a != `b-c`", "(ne `a` `b-c`)"},
	{"a is `b`", "(eq `a` `b`)"},
	{"a > b", "(gt `a` `b`)"},
	{"`a``b` = 1", "(eq `a\\`b` 1)"},
	{"*", "*"},
	{"", "*"},
	{"GET a", "* GET `a`"},
	{"* GET a, `b c` as x, c as 'C', d as `D`", "* GET `a`, `b c` as 'x', `c` as 'C', `d` as 'D'"},
	{"x = 1 GET a", "(eq `x` 1) GET `a`"},
	{"x IS NOT NULL AND Y Is In ['a'] OR z DOES NOT MATCH 'q'", "(or (and (is_not_null `x`) (in `Y` ['a'])) (not_matches `z` 'q'))"},
};

static const ErrorCase error_cases[] = {
	{"severity is", "syntax error at position 11: expected a value after \"is\", found end of query"},
	{"severity = 'major", "syntax error at position 11: unterminated string"},
	{"x = 'a' and", "syntax error at position 11: expected a field name, found end of query"},
	{"x in []", "syntax error at position 5: empty list after \"in\""},
	{"x in", "syntax error at position 4: expected a value after \"in\", found end of query"},
	{"x in [1, 2", "syntax error at position 10: expected \",\" or \"]\", found end of query"},
	{"x == ", "syntax error at position 5: expected a value after \"==\", found end of query"},
	{"x foo 1", "syntax error at position 2: expected an operator after \"x\", found \"foo\""},
	{"= 1", "syntax error at position 0: expected a field name, found \"=\""},
	{"and = 1", "syntax error at position 0: expected a field name, found keyword \"and\"; write a field of that name in backquotes"},
	{"x = 1 y = 2", "syntax error at position 6: expected \"and\", \"or\", GET or end of query, found \"y\""},
	{"(x = 1", "syntax error at position 6: expected \"and\", \"or\" or \")\", found end of query"},
	{"x = 1)", "syntax error at position 5: expected \"and\", \"or\", GET or end of query, found \")\""},
	{"x ~ b", "syntax error at position 4: expected a string or a number after \"~\", found field name \"b\""},
	{"x ~ true", "syntax error at position 4: expected a string or a number after \"~\", found true"},
	{"x > true", "syntax error at position 4: expected a number, a string or a field after \">\", found true"},
	{"x > null", "syntax error at position 4: expected a number, a string or a field after \">\", found null"},
	{"x in [a]", "syntax error at position 6: expected a list of strings, numbers, booleans or null after \"in\", found field name \"a\""},
	{"x in [1, b]", "syntax error at position 9: expected a list of strings, numbers, booleans or null after \"in\", found field name \"b\""},
	{"x ? null", "syntax error at position 4: expected a string or a number after \"?\", found null"},
	{"x before 'soon'", "syntax error at position 9: cannot read \"soon\" as a time"},
	{"x during '2024-11-20 10:00'", "syntax error at position 9: expected a named period or a date without a time after \"during\"; write \"during A to B\" for a range"},
	{"x during -2 days", "syntax error at position 9: expected a named period or a date without a time after \"during\"; write \"during A to B\" for a range"},
	{"x after 10 days", "syntax error at position 8: relative time \"10 days\" needs a sign: write +10 or -10"},
	{"x before 'Feb 30, 2024'", "syntax error at position 9: cannot read \"Feb 30, 2024\" as a time"},
	{"x before '2024-02-30'", "syntax error at position 9: cannot read \"2024-02-30\" as a time"},
	{"x before 99999999999999999999", "syntax error at position 9: time 99999999999999999999 (epoch milliseconds) is out of range"},
	{"x after +999999999999 years", "syntax error at position 8: relative time \"+999999999999 years\" is out of range"},
	{"x before this decade", "syntax error at position 9: cannot read \"this decade\" as a time"},
	{"`` = 1", "syntax error at position 0: empty quoted field name"},
	{"x = `a", "syntax error at position 4: unterminated quoted field name"},
	{"x = 02", "syntax error at position 4: invalid number: a number cannot start with 0 followed by a digit"},
	{"x = 1.", "syntax error at position 4: invalid number: expected a digit after the decimal point"},
	{"x = 1e99999", "syntax error at position 4: number 1e99999 is out of range: at most 1000 characters and an exponent within 1000"},
	{"x ! 1", "syntax error at position 2: unexpected character \"!\""},
	{"x = 1 GET", "syntax error at position 9: expected a field name after \"GET\", found end of query"},
	{"GET a, a", "syntax error at position 7: duplicate output name \"a\" in GET"},
	{"GET a, b as a", "syntax error at position 12: duplicate output name \"a\" in GET"},
	{"GET a as '', b", "syntax error at position 9: empty output name after \"as\""},
	{"x = 1 GET a b", "syntax error at position 12: expected \",\" or end of query, found \"b\""},
	{"* x", "syntax error at position 2: expected GET or end of query after \"*\", found \"x\""},
	{"x = 'a\\", "syntax error at position 4: unterminated string"},
	{"x = \"é", "syntax error at position 4: unterminated string"},
	{"é = 1", "syntax error at position 0: unexpected character \"é\""},
	{"x ^ 1", "syntax error at position 2: unexpected character \"^\""},
	{"x is greater 1", "syntax error at position 13: expected \"than\" after \"greater\", found \"1\""},
	{"x does contain 'a'", "syntax error at position 7: expected \"not\" after \"does\", found \"contain\""},
	{"x not match 'a'", "syntax error at position 6: expected \"equals\", \"contains\", \"in\" or \"during\" after \"not\", found \"match\""},
	{"x starts 'a'", "syntax error at position 9: expected \"with\" after \"starts\", found \"'a'\""},
	{"x is one 1", "syntax error at position 9: expected \"of\" after \"one\", found \"1\""},
	{"x in [1 2]", "syntax error at position 8: expected \",\" or \"]\", found \"2\""},
	{"x during 'CY2022' to", "syntax error at position 20: expected a time after \"to\", found end of query"},
	{"not", "syntax error at position 3: expected a field name, found end of query"},
	{"t before '2024-11-20T10:00:00.1e5Z'", "syntax error at position 9: cannot read \"2024-11-20T10:00:00.1e5Z\" as a time"},
	{"t before '2024-11-20T10:00:00.1234567890Z'", "syntax error at position 9: cannot read \"2024-11-20T10:00:00.1234567890Z\" as a time"},
	{"t before '2024-11-20T24:00'", "syntax error at position 9: cannot read \"2024-11-20T24:00\" as a time"},
	{"t before '2024-11-20T10:00+16:00'", "syntax error at position 9: cannot read \"2024-11-20T10:00+16:00\" as a time"},
	{"t before '2024-11-20Z'", "syntax error at position 9: cannot read \"2024-11-20Z\" as a time"},
	{"t before 'Jan 1, 2022 13pm'", "syntax error at position 9: cannot read \"Jan 1, 2022 13pm\" as a time"},
	{"t before 'Jan 1, 2022 10'", "syntax error at position 9: cannot read \"Jan 1, 2022 10\" as a time"},
	{"t before '0000-01-01'", "syntax error at position 9: cannot read \"0000-01-01\" as a time"},
	{"t during 'CY0000'", "syntax error at position 9: cannot read \"CY0000\" as a time"},
};

static const SqlCase sql_cases[] = {
	{"port = 80", true, "(data @> '{\"port\": 80}'::jsonb OR data @> '{\"port\": \"80\"}'::jsonb OR (pstream.cfxql_numeric_string(data -> 'port') IN ('80'::numeric)) IS TRUE)"},
	{"port = '80'", true, "(data @> '{\"port\": \"80\"}'::jsonb OR (data @> '{\"port\": 80}'::jsonb AND (data -> 'port') #>> '{}' = '80'))"},
	{"flag = 'true'", true, "(data @> '{\"flag\": \"true\"}'::jsonb OR data @> '{\"flag\": true}'::jsonb)"},
	{"x = 'a'", true, "data @> '{\"x\": \"a\"}'::jsonb"},
	{"x = 'a'", false, "(lower(pstream.cfxql_text(data -> 'x')) IN (lower('a'))) IS TRUE"},
	{"x = 1.50", true, "(data @> '{\"x\": 1.50}'::jsonb OR data @> '{\"x\": \"1.50\"}'::jsonb OR (pstream.cfxql_numeric_string(data -> 'x') IN ('1.50'::numeric)) IS TRUE)"},
	{"x = +5", true, "(data @> '{\"x\": 5}'::jsonb OR (pstream.cfxql_numeric_string(data -> 'x') IN ('+5'::numeric)) IS TRUE)"},
	{"x = true", true, "(data @> '{\"x\": true}'::jsonb OR data @> '{\"x\": \"true\"}'::jsonb OR data @> '{\"x\": \"True\"}'::jsonb OR data @> '{\"x\": \"tRue\"}'::jsonb OR data @> '{\"x\": \"TRue\"}'::jsonb OR data @> '{\"x\": \"trUe\"}'::jsonb OR data @> '{\"x\": \"TrUe\"}'::jsonb OR data @> '{\"x\": \"tRUe\"}'::jsonb OR data @> '{\"x\": \"TRUe\"}'::jsonb OR data @> '{\"x\": \"truE\"}'::jsonb OR data @> '{\"x\": \"TruE\"}'::jsonb OR data @> '{\"x\": \"tRuE\"}'::jsonb OR data @> '{\"x\": \"TRuE\"}'::jsonb OR data @> '{\"x\": \"trUE\"}'::jsonb OR data @> '{\"x\": \"TrUE\"}'::jsonb OR data @> '{\"x\": \"tRUE\"}'::jsonb OR data @> '{\"x\": \"TRUE\"}'::jsonb)"},
	{"x != 'a'", true, "NOT data @> '{\"x\": \"a\"}'::jsonb"},
	{"x in ['a', 2, null]", true, "(data @> '{\"x\": \"a\"}'::jsonb OR data @> '{\"x\": 2}'::jsonb OR data @> '{\"x\": \"2\"}'::jsonb OR (pstream.cfxql_numeric_string(data -> 'x') IN ('2'::numeric)) IS TRUE OR coalesce((data -> 'x') IN ('null'::jsonb, '\"\"'::jsonb), true))"},
	{"x in ['a', 'B']", false, "(lower(pstream.cfxql_text(data -> 'x')) IN (lower('a'), lower('B'))) IS TRUE"},
	{"x not in [false]", true, "NOT (data @> '{\"x\": false}'::jsonb OR data @> '{\"x\": \"false\"}'::jsonb OR data @> '{\"x\": \"False\"}'::jsonb OR data @> '{\"x\": \"fAlse\"}'::jsonb OR data @> '{\"x\": \"FAlse\"}'::jsonb OR data @> '{\"x\": \"faLse\"}'::jsonb OR data @> '{\"x\": \"FaLse\"}'::jsonb OR data @> '{\"x\": \"fALse\"}'::jsonb OR data @> '{\"x\": \"FALse\"}'::jsonb OR data @> '{\"x\": \"falSe\"}'::jsonb OR data @> '{\"x\": \"FalSe\"}'::jsonb OR data @> '{\"x\": \"fAlSe\"}'::jsonb OR data @> '{\"x\": \"FAlSe\"}'::jsonb OR data @> '{\"x\": \"faLSe\"}'::jsonb OR data @> '{\"x\": \"FaLSe\"}'::jsonb OR data @> '{\"x\": \"fALSe\"}'::jsonb OR data @> '{\"x\": \"FALSe\"}'::jsonb OR data @> '{\"x\": \"falsE\"}'::jsonb OR data @> '{\"x\": \"FalsE\"}'::jsonb OR data @> '{\"x\": \"fAlsE\"}'::jsonb OR data @> '{\"x\": \"FAlsE\"}'::jsonb OR data @> '{\"x\": \"faLsE\"}'::jsonb OR data @> '{\"x\": \"FaLsE\"}'::jsonb OR data @> '{\"x\": \"fALsE\"}'::jsonb OR data @> '{\"x\": \"FALsE\"}'::jsonb OR data @> '{\"x\": \"falSE\"}'::jsonb OR data @> '{\"x\": \"FalSE\"}'::jsonb OR data @> '{\"x\": \"fAlSE\"}'::jsonb OR data @> '{\"x\": \"FAlSE\"}'::jsonb OR data @> '{\"x\": \"faLSE\"}'::jsonb OR data @> '{\"x\": \"FaLSE\"}'::jsonb OR data @> '{\"x\": \"fALSE\"}'::jsonb OR data @> '{\"x\": \"FALSE\"}'::jsonb)"},
	{"x = null", true, "coalesce((data -> 'x') IN ('null'::jsonb, '\"\"'::jsonb), true)"},
	{"x != none", true, "NOT coalesce((data -> 'x') IN ('null'::jsonb, '\"\"'::jsonb), true)"},
	{"x is null", true, "coalesce((data -> 'x') IN ('null'::jsonb, '\"\"'::jsonb), true)"},
	{"x is not null", true, "NOT coalesce((data -> 'x') IN ('null'::jsonb, '\"\"'::jsonb), true)"},
	{"x > 5", true, "(pstream.cfxql_number(data -> 'x') > '5'::numeric) IS TRUE"},
	{"x >= '5'", true, "(pstream.cfxql_string(data -> 'x') COLLATE \"C\" >= '5') IS TRUE"},
	{"x < -1e3", true, "(pstream.cfxql_number(data -> 'x') < '-1e3'::numeric) IS TRUE"},
	{"x <= 'b'", true, "(pstream.cfxql_string(data -> 'x') COLLATE \"C\" <= 'b') IS TRUE"},
	{"a = b", true, "pstream.cfxql_equal(data -> 'a', data -> 'b')"},
	{"a = b", false, "pstream.cfxql_equal_ci(data -> 'a', data -> 'b')"},
	{"a != b", true, "NOT pstream.cfxql_equal(data -> 'a', data -> 'b')"},
	{"a > b", true, "(pstream.cfxql_compare(data -> 'a', data -> 'b') > 0) IS TRUE"},
	{"a >= b", true, "(pstream.cfxql_compare(data -> 'a', data -> 'b') >= 0) IS TRUE"},
	{"a < b", true, "(pstream.cfxql_compare(data -> 'a', data -> 'b') < 0) IS TRUE"},
	{"a <= b", true, "(pstream.cfxql_compare(data -> 'a', data -> 'b') <= 0) IS TRUE"},
	{"x ~ 'a%_\\\\b'", true, "(pstream.cfxql_text(data -> 'x') COLLATE \"C\" LIKE E'%a\\\\%\\\\_\\\\\\\\b%') IS TRUE"},
	{"x ~ 'A'", false, "(lower(pstream.cfxql_text(data -> 'x')) COLLATE \"C\" LIKE lower('%A%')) IS TRUE"},
	{"x !~ 80", true, "NOT (pstream.cfxql_text(data -> 'x') COLLATE \"C\" LIKE '%80%') IS TRUE"},
	{"x ^~ 'a'", true, "(pstream.cfxql_text(data -> 'x') COLLATE \"C\" LIKE 'a%') IS TRUE"},
	{"x !^~ 'a'", false, "NOT (lower(pstream.cfxql_text(data -> 'x')) COLLATE \"C\" LIKE lower('a%')) IS TRUE"},
	{"x ~$ 'a'", true, "(pstream.cfxql_text(data -> 'x') COLLATE \"C\" LIKE '%a') IS TRUE"},
	{"x !~$ 'a'", true, "NOT (pstream.cfxql_text(data -> 'x') COLLATE \"C\" LIKE '%a') IS TRUE"},
	{"x ? '^a\\\\d'", true, "(pstream.cfxql_text(data -> 'x') ~ E'^a\\\\d') IS TRUE"},
	{"x ? 'a'", false, "(lower(pstream.cfxql_text(data -> 'x')) ~* 'a') IS TRUE"},
	{"x !? 'a'", true, "NOT (pstream.cfxql_text(data -> 'x') ~ 'a') IS TRUE"},
	{"x before '2022-01-01T10:00:00.5+05:30'", true, "(pstream.cfxql_time(data -> 'x') < '2022-01-01 04:30:00.500000+00'::timestamptz) IS TRUE"},
	{"x after 1700000000000.5", true, "(pstream.cfxql_time(data -> 'x') > '2023-11-14 22:13:20.000500+00'::timestamptz) IS TRUE"},
	{"x during '2024-11-20'", true, "(pstream.cfxql_time(data -> 'x') >= '2024-11-20 00:00:00.000000+00'::timestamptz AND pstream.cfxql_time(data -> 'x') < '2024-11-21 00:00:00.000000+00'::timestamptz) IS TRUE"},
	{"x during 'Jan 1, 2022' to 'January 1, 2022 10:30 pm'", true, "(pstream.cfxql_time(data -> 'x') BETWEEN '2022-01-01 00:00:00.000000+00'::timestamptz AND '2022-01-01 22:30:00.000000+00'::timestamptz) IS TRUE"},
	{"x not during today", true, "NOT (pstream.cfxql_time(data -> 'x') >= pstream.cfxql_period_start('day', 0) AND pstream.cfxql_time(data -> 'x') < pstream.cfxql_period_start('day', 1)) IS TRUE"},
	{"x during yesterday", true, "(pstream.cfxql_time(data -> 'x') >= pstream.cfxql_period_start('day', -1) AND pstream.cfxql_time(data -> 'x') < pstream.cfxql_period_start('day', 0)) IS TRUE"},
	{"x during last week", true, "(pstream.cfxql_time(data -> 'x') >= pstream.cfxql_period_start('week', -1) AND pstream.cfxql_time(data -> 'x') < pstream.cfxql_period_start('week', 0)) IS TRUE"},
	{"x during this month", true, "(pstream.cfxql_time(data -> 'x') >= pstream.cfxql_period_start('month', 0) AND pstream.cfxql_time(data -> 'x') < pstream.cfxql_period_start('month', 1)) IS TRUE"},
	{"x during last year", true, "(pstream.cfxql_time(data -> 'x') >= pstream.cfxql_period_start('year', -1) AND pstream.cfxql_time(data -> 'x') < pstream.cfxql_period_start('year', 0)) IS TRUE"},
	{"x during CY2022", true, "(pstream.cfxql_time(data -> 'x') >= '2022-01-01 00:00:00+00'::timestamptz AND pstream.cfxql_time(data -> 'x') < '2023-01-01 00:00:00+00'::timestamptz) IS TRUE"},
	{"x before -3 months", true, "(pstream.cfxql_time(data -> 'x') < pstream.cfxql_now_plus('-3 months'::interval)) IS TRUE"},
	{"x after +15minutes", true, "(pstream.cfxql_time(data -> 'x') > pstream.cfxql_now_plus('15 minutes'::interval)) IS TRUE"},
	{"x before now", true, "(pstream.cfxql_time(data -> 'x') < statement_timestamp()) IS TRUE"},
	{"x during now", true, "(pstream.cfxql_time(data -> 'x') >= statement_timestamp() AND pstream.cfxql_time(data -> 'x') < statement_timestamp()) IS TRUE"},
	{"x before '0001-01-01T00:00+01:00'", true, "(pstream.cfxql_time(data -> 'x') < '0001-12-31 23:00:00.000000+00 BC'::timestamptz) IS TRUE"},
	{"x before -62135596800000", true, "(pstream.cfxql_time(data -> 'x') < '0001-01-01 00:00:00.000000+00'::timestamptz) IS TRUE"},
	{"`zip-code` = 20006", true, "(data @> '{\"zip-code\": 20006}'::jsonb OR data @> '{\"zip-code\": \"20006\"}'::jsonb OR (pstream.cfxql_numeric_string(data -> 'zip-code') IN ('20006'::numeric)) IS TRUE)"},
	{"`it's` = 'O''Brien'", true, "data @> '{\"it''s\": \"O''Brien\"}'::jsonb"},
	{"`a\"b\\\\c` = 'q\"\\\\'", true, "data @> E'{\"a\\\\\"b\\\\\\\\\\\\\\\\c\": \"q\\\\\"\\\\\\\\\"}'::jsonb"},
	{"x = 'tab\there'", true, "data @> E'{\"x\": \"tab\\\\u0009here\"}'::jsonb"},
	{"not (a = 1 or b = 2) and c = 3", true, "(NOT (((data @> '{\"a\": 1}'::jsonb OR data @> '{\"a\": \"1\"}'::jsonb OR (pstream.cfxql_numeric_string(data -> 'a') IN ('1'::numeric)) IS TRUE) OR (data @> '{\"b\": 2}'::jsonb OR data @> '{\"b\": \"2\"}'::jsonb OR (pstream.cfxql_numeric_string(data -> 'b') IN ('2'::numeric)) IS TRUE))) AND (data @> '{\"c\": 3}'::jsonb OR data @> '{\"c\": \"3\"}'::jsonb OR (pstream.cfxql_numeric_string(data -> 'c') IN ('3'::numeric)) IS TRUE))"},
	{"*", true, "true"},
	{"GET a", true, "true"},
	{"t before '2024-11-20T10:00:00.123456789+05:30'", true, "(pstream.cfxql_time(data -> 't') < '2024-11-20 04:30:00.123457+00'::timestamptz) IS TRUE"},
	{"t before '2024-11-20t23:59:59.9999999z'", true, "(pstream.cfxql_time(data -> 't') < '2024-11-21 00:00:00.000000+00'::timestamptz) IS TRUE"},
	{"t after 'jan 1 2022 12am'", true, "(pstream.cfxql_time(data -> 't') > '2022-01-01 00:00:00.000000+00'::timestamptz) IS TRUE"},
	{"t after 'Sept 30, 2022 12:05 PM'", true, "(pstream.cfxql_time(data -> 't') > '2022-09-30 12:05:00.000000+00'::timestamptz) IS TRUE"},
	{"t after -1.5", true, "(pstream.cfxql_time(data -> 't') > '1969-12-31 23:59:59.998500+00'::timestamptz) IS TRUE"},
	{"t after 0.0005", true, "(pstream.cfxql_time(data -> 't') > '1970-01-01 00:00:00.000001+00'::timestamptz) IS TRUE"},
	{"t after -0.0005", true, "(pstream.cfxql_time(data -> 't') > '1969-12-31 23:59:59.999999+00'::timestamptz) IS TRUE"},
	{"t after -210866803200000", true, "(pstream.cfxql_time(data -> 't') > '4714-11-24 00:00:00.000000+00 BC'::timestamptz) IS TRUE"},
	{"x = 'a' GET a", true, "data @> '{\"x\": \"a\"}'::jsonb"},
};

static void
test_tables(void)
{
	CfxqlError	error;

	for (size_t i = 0; i < sizeof(lex_cases) / sizeof(lex_cases[0]); i++)
	{
		const char *query = lex_cases[i].query;
		char	   *dump = cfxql_debug_dump(query, strlen(query), DUMP_TOKENS, &error);

		check_text("tokens", query, lex_cases[i].tokens, dump ? dump : error.message);
		free(dump);
	}
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++)
	{
		const char *query = parse_cases[i].query;
		char	   *dump = cfxql_debug_dump(query, strlen(query), DUMP_TREE, &error);

		check_text("tree", query, parse_cases[i].tree, dump ? dump : error.message);
		free(dump);
	}
	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++)
	{
		const char *query = error_cases[i].query;
		CfxqlResult *result = cfxql_compile(query, strlen(query), NULL, &error);

		check_text("error", query, error_cases[i].message,
				   result ? result->condition : error.message);
		check(result != NULL || error.code == CFXQL_ERROR_SYNTAX, "error code is syntax");
		cfxql_result_free(result);
	}
	for (size_t i = 0; i < sizeof(sql_cases) / sizeof(sql_cases[0]); i++)
	{
		CfxqlOptions options;
		const char *query = sql_cases[i].query;
		CfxqlResult *result;

		cfxql_options_init(&options);
		options.case_sensitive = sql_cases[i].case_sensitive;
		result = cfxql_compile(query, strlen(query), &options, &error);
		check_text("sql", query, sql_cases[i].sql, result ? result->condition : error.message);
		cfxql_result_free(result);
	}
}

/* ---------- memory hooks ---------- */

typedef struct CountingMemory
{
	long		allocations;
	long		frees;
	long		fail_after;		/* fail allocation number fail_after; -1 never */
} CountingMemory;

static void *
counting_alloc(void *context, size_t size)
{
	CountingMemory *counts = context;

	if (counts->fail_after >= 0 && counts->allocations >= counts->fail_after)
		return NULL;
	counts->allocations++;
	return malloc(size);
}

static void
counting_free(void *context, void *pointer)
{
	CountingMemory *counts = context;

	counts->frees++;
	free(pointer);
}

static void
test_memory_hooks(void)
{
	const char *query = "a = 1 and b in ['x', true] or c ? 'y' GET a, b as 'B'";
	CountingMemory counts = {0, 0, -1};
	CfxqlMemory memory = {counting_alloc, counting_free, &counts};
	CfxqlOptions options;
	CfxqlError	error;
	CfxqlResult *result;
	long		needed;

	cfxql_options_init(&options);
	options.memory = &memory;
	result = cfxql_compile(query, strlen(query), &options, &error);
	check(result != NULL, "compile with counting hooks");
	cfxql_result_free(result);
	check(counts.allocations > 0 && counts.allocations == counts.frees,
		  "result free releases every allocation");

	/* fail each allocation in turn: an error, never a leak or a crash */
	needed = counts.allocations;
	for (long n = 0; n < needed; n++)
	{
		counts = (CountingMemory) {0, 0, n};
		result = cfxql_compile(query, strlen(query), &options, &error);
		check(result == NULL && error.code == CFXQL_ERROR_OUT_OF_MEMORY,
			  "failed allocation gives out of memory");
		check(counts.allocations == counts.frees, "failed compile frees everything");
	}
}

/* ---------- quoting hook ---------- */

static int	quote_calls;

static char *
marking_quote(const char *text, size_t len)
{
	char	   *quoted = malloc(len + 3);

	quote_calls++;
	quoted[0] = '<';
	memcpy(quoted + 1, text, len);
	quoted[len + 1] = '>';
	quoted[len + 2] = '\0';
	return quoted;
}

static void
test_quote_hook(void)
{
	const char *query = "`k'ey` = 'it''s'";
	CfxqlOptions options;
	CfxqlError	error;
	CfxqlResult *result;

	cfxql_options_init(&options);
	options.quote_literal = marking_quote;
	options.record_expression = "r.doc";
	result = cfxql_compile(query, strlen(query), &options, &error);
	check(result != NULL, "compile with a quoting hook");
	if (result != NULL)
		check_text("quote hook", query, "r.doc @> <{\"k'ey\": \"it's\"}>::jsonb",
				   result->condition);
	check(quote_calls == 1, "quoting hook called once per literal");
	cfxql_result_free(result);

	/* the built-in quoting follows quote_literal_cstr() */
	query = "x = 'a\\\\b''c'";
	result = cfxql_compile(query, strlen(query), NULL, &error);
	if (result != NULL)
		check_text("built-in quoting", query, "data @> E'{\"x\": \"a\\\\\\\\b''c\"}'::jsonb",
				   result->condition);
	cfxql_result_free(result);
}

/* ---------- results: projection, regexes, match_all ---------- */

static void
test_result_fields(void)
{
	const char *query = "x ? 'a+' and y !? 'b' GET `f g` as 'F', h";
	CfxqlOptions options;
	CfxqlError	error;
	CfxqlResult *result;

	cfxql_options_init(&options);
	options.case_sensitive = false;
	result = cfxql_compile(query, strlen(query), &options, &error);
	check(result != NULL, "compile projection query");
	if (result == NULL)
		return;
	check(!result->match_all, "filter is not match_all");
	check(result->column_count == 2, "two columns");
	check(strcmp(result->columns[0].field, "f g") == 0 &&
		  strcmp(result->columns[0].name, "F") == 0, "aliased column");
	check(strcmp(result->columns[1].field, "h") == 0 &&
		  strcmp(result->columns[1].name, "h") == 0, "column without alias");
	check(result->regex_count == 2, "two regexes listed");
	check(result->regex_count == 2 && strcmp(result->regexes[0].pattern, "a+") == 0 &&
		  result->regexes[0].case_insensitive && result->regexes[0].position == 4,
		  "regex pattern, flag and position");
	cfxql_result_free(result);

	result = cfxql_compile("GET a", 5, NULL, &error);
	check(result != NULL && result->match_all && strcmp(result->condition, "true") == 0,
		  "projection only matches all");
	cfxql_result_free(result);
}

/* ---------- numeric_string_index ---------- */

static void
test_numeric_string_index(void)
{
	const char *query = "port in [80, +1e3, 'x']";
	CfxqlOptions options;
	CfxqlError	error;
	CfxqlResult *result;

	cfxql_options_init(&options);
	options.numeric_string_index = true;
	result = cfxql_compile(query, strlen(query), &options, &error);
	check_text("numeric_string_index", query,
			   "(data @> '{\"port\": 80}'::jsonb"
			   " OR data @> '{\"port\": 1e3}'::jsonb OR data @> '{\"port\": \"x\"}'::jsonb"
			   " OR pstream.cfxql_numeric_strings(data) @> '{\"port\": 80}'::jsonb"
			   " OR pstream.cfxql_numeric_strings(data) @> '{\"port\": 1e3}'::jsonb)",
			   result ? result->condition : error.message);
	cfxql_result_free(result);
}

/* Check which strings pstream.cfxql_numeric_strings() converts to numbers. */
static void
test_is_numeric_string(void)
{
	static const struct
	{
		const char *text;
		bool		numeric;
	}			cases[] = {
		{"0", true}, {"-0", true}, {"80", true}, {"-12.50", true}, {"8e1", true},
		{"8E+1", true}, {"2.5e-3", true}, {"1e1000", true}, {"1e0001000", true},
		{"1e1001", false}, {"1e10000", false}, {"01", false}, {"1.", false},
		{".5", false}, {"+1", false}, {" 1", false}, {"1 ", false}, {"", false},
		{"-", false}, {"1e", false}, {"1e+", false}, {"0x10", false},
		{"NaN", false}, {"Infinity", false}, {"2026-01-01", false},
	};
	char		long_number[1002];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		char		what[64];

		snprintf(what, sizeof(what), "numeric string \"%s\"", cases[i].text);
		check(cfxql_is_numeric_string(cases[i].text, strlen(cases[i].text)) == cases[i].numeric, what);
	}
	/* The caller gives the length, so the text needs no NUL. */
	check(cfxql_is_numeric_string("123abc", 3), "numeric string of the first 3 bytes");

	memset(long_number, '9', sizeof(long_number));
	check(cfxql_is_numeric_string(long_number, 1000), "numeric string of 1000 digits");
	check(!cfxql_is_numeric_string(long_number, 1001), "numeric string of 1001 digits");
}

/* ---------- B-tree fields and the time column ---------- */

static void
check_indexed(const char *query, bool case_sensitive, const char *expected)
{
	static const char *const fields[] = {"port", "sev"};
	CfxqlOptions options;
	CfxqlError	error;
	CfxqlResult *result;

	cfxql_options_init(&options);
	options.case_sensitive = case_sensitive;
	options.btree_fields = fields;
	options.btree_field_count = 2;
	options.time_field = "timestamp";
	options.time_column = "ts";
	result = cfxql_compile(query, strlen(query), &options, &error);
	check_text("index options", query, expected, result ? result->condition : error.message);
	cfxql_result_free(result);
}

static void
test_index_options(void)
{
	check_indexed("port = 80", true,
				  "(pstream.cfxql_index_key(data -> 'port') IN (pstream.cfxql_index_key('80'::jsonb))"
				  " AND ((data @> '{\"port\": 80}'::jsonb OR data @> '{\"port\": \"80\"}'::jsonb"
				  " OR (pstream.cfxql_numeric_string(data -> 'port') IN ('80'::numeric)) IS TRUE)))");
	check_indexed("sev in ['High', 3]", false,
				  "(pstream.cfxql_index_key(data -> 'sev') IN (pstream.cfxql_index_key('\"High\"'::jsonb),"
				  " pstream.cfxql_index_key('3'::jsonb)) AND ((data @> '{\"sev\": 3}'::jsonb"
				  " OR data @> '{\"sev\": \"3\"}'::jsonb"
				  " OR (lower(pstream.cfxql_text(data -> 'sev')) IN (lower('High'))) IS TRUE"
				  " OR (pstream.cfxql_numeric_string(data -> 'sev') IN ('3'::numeric)) IS TRUE)))");
	check_indexed("sev = 'x'", true,
				  "(pstream.cfxql_index_key(data -> 'sev') IN (pstream.cfxql_index_key('\"x\"'::jsonb))"
				  " AND (data @> '{\"sev\": \"x\"}'::jsonb))");
	check_indexed("sev in ['x', null]", true,
				  "(data @> '{\"sev\": \"x\"}'::jsonb OR coalesce((data -> 'sev') IN"
				  " ('null'::jsonb, '\"\"'::jsonb), true))");
	check_indexed("other = 'x'", true, "data @> '{\"other\": \"x\"}'::jsonb");
	check_indexed("port > 5", true,
				  "(pstream.cfxql_index_number(data -> 'port') >= '5'::numeric AND"
				  " (pstream.cfxql_number(data -> 'port') > '5'::numeric) IS TRUE)");
	check_indexed("port <= -2.5e3", true,
				  "(pstream.cfxql_index_number(data -> 'port') <= '-2.5e3'::numeric AND"
				  " (pstream.cfxql_number(data -> 'port') <= '-2.5e3'::numeric) IS TRUE)");
	check_indexed("port > 1e199", true,
				  "(pstream.cfxql_number(data -> 'port') > '1e199'::numeric) IS TRUE");
	check_indexed("port > 1e-201", true,
				  "(pstream.cfxql_number(data -> 'port') > '1e-201'::numeric) IS TRUE");
	check_indexed("sev > 'b'", true,
				  "(pstream.cfxql_string(data -> 'sev') COLLATE \"C\" > 'b') IS TRUE");
	check_indexed("timestamp after '2024-01-01'", true,
				  "(ts > '2024-01-01 00:00:00.000000+00'::timestamptz AND"
				  " (pstream.cfxql_time(data -> 'timestamp') > '2024-01-01 00:00:00.000000+00'::timestamptz) IS TRUE)");
	check_indexed("not timestamp during today", true,
				  "NOT ((ts >= pstream.cfxql_period_start('day', 0) AND ts < pstream.cfxql_period_start('day', 1)"
				  " AND (pstream.cfxql_time(data -> 'timestamp') >= pstream.cfxql_period_start('day', 0)"
				  " AND pstream.cfxql_time(data -> 'timestamp') < pstream.cfxql_period_start('day', 1)) IS TRUE))");
	check_indexed("seen before now", true,
				  "(pstream.cfxql_time(data -> 'seen') < statement_timestamp()) IS TRUE");
}

/* ---------- limits ---------- */

static char *
repeat(const char *prefix, int count, const char *middle, const char *suffix)
{
	size_t		size = strlen(prefix) * count + strlen(middle) + strlen(suffix) * count + 1;
	char	   *text = malloc(size);

	text[0] = '\0';
	for (int i = 0; i < count; i++)
		strcat(text, prefix);
	strcat(text, middle);
	for (int i = 0; i < count; i++)
		strcat(text, suffix);
	return text;
}

static void
test_limits(void)
{
	CfxqlError	error;
	CfxqlResult *result;
	char	   *query;

	query = repeat("(", 100, "a = 1", ")");
	result = cfxql_compile(query, strlen(query), NULL, &error);
	check(result != NULL, "100 parentheses accepted");
	cfxql_result_free(result);
	free(query);

	query = repeat("(", 101, "a = 1", ")");
	result = cfxql_compile(query, strlen(query), NULL, &error);
	check(result == NULL && error.position == 100, "101 parentheses rejected at the 101st");
	free(query);

	query = repeat("not (", 50, "a = 1", ")");
	result = cfxql_compile(query, strlen(query), NULL, &error);
	check(result != NULL, "50 not and 50 parentheses accepted");
	cfxql_result_free(result);
	free(query);

	query = repeat("not ", 101, "a = 1", "");
	result = cfxql_compile(query, strlen(query), NULL, &error);
	check(result == NULL && error.code == CFXQL_ERROR_SYNTAX, "101 not rejected");
	free(query);

	query = malloc(CFXQL_MAX_QUERY_BYTES + 2);
	memset(query, ' ', CFXQL_MAX_QUERY_BYTES + 1);
	memcpy(query, "a = 1", 5);
	result = cfxql_compile(query, CFXQL_MAX_QUERY_BYTES, NULL, &error);
	check(result != NULL, "query of the maximum length accepted");
	cfxql_result_free(result);
	result = cfxql_compile(query, CFXQL_MAX_QUERY_BYTES + 1, NULL, &error);
	check(result == NULL && strstr(error.message, "longer than") != NULL,
		  "query over the maximum length rejected");
	free(query);

	/* a NUL byte inside the given length, and invalid UTF-8 */
	result = cfxql_compile("x = 'a\0b'", 9, NULL, &error);
	check(result == NULL && error.position == 6, "NUL character rejected");
	result = cfxql_compile("x = '\xff'", 7, NULL, &error);
	check(result == NULL && error.position == 5, "invalid UTF-8 rejected");

	/* positions count characters, not bytes */
	result = cfxql_compile("x = 'éé' y", 12, NULL, &error);
	check(result == NULL && error.position == 9, "position counts characters");
}

int
main(void)
{
	test_tables();
	test_memory_hooks();
	test_quote_hook();
	test_result_fields();
	test_numeric_string_index();
	test_is_numeric_string();
	test_index_options();
	test_limits();

	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
