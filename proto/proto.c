/*
 * proto.c: the tables behind the stable error codes of proto.h: wire code
 * strings, their parser and the words shown to people.
 */
#include <string.h>

#include "proto.h"

struct proto_code {
	const char	*code;		/* what travels in error.code */
	const char	*text;		/* a person's words */
};

static const struct proto_code codes[PROTO_E_COUNT] = {
	[PROTO_OK] = { NULL, "success" },
#define PROTO_CODE_ENTRY(sym, code, text) [PROTO_E_##sym] = { code, text },
	PROTO_ERRORS(PROTO_CODE_ENTRY)
#undef PROTO_CODE_ENTRY
};

/* Library functions return -PROTO_E_*; callers may hold either sign. */
static int
code_index(int err)
{
	if (err < 0) {
		if (err < -(int)PROTO_E_COUNT)
			return -1;
		err = -err;
	}
	if (err >= PROTO_E_COUNT)
		return -1;
	return err;
}

const char *
proto_code_name(int err)
{
	int	i = code_index(err);

	if (i <= 0)
		return NULL;
	return codes[i].code;
}

int
proto_code_parse(const char *code)
{
	int	i;

	if (code == NULL)
		return 0;
	for (i = 1; i < PROTO_E_COUNT; i++) {
		if (strcmp(codes[i].code, code) == 0)
			return i;
	}
	return 0;
}

const char *
proto_strerror(int err)
{
	int	i = code_index(err);

	if (i < 0)
		return "unknown error";
	return codes[i].text;
}
