/*
 * fuzz_name.c: libFuzzer target for the receiver's file-name check. A name it
 * accepts must be usable as one path component inside the target folder.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "text.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*s;
	const char	*why;
	char		 wb[PROTO_NAME_WHY_MAX];
	size_t		 i, len;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	len = strlen(s);
	why = proto_file_name_problem(s, wb, sizeof wb);
	if (why == NULL) {
		if (len == 0 || len > PROTO_SAFE_NAME_MAX)
			abort();
		if (strchr(s, '/') != NULL || strchr(s, '\\') != NULL)
			abort();
		if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
			abort();
		if (!proto_utf8_valid(s, len) || proto_has_control(s, len))
			abort();
		for (i = 0; i < len; i++)
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
				abort();
	} else if (why[0] == '\0') {
		abort();
	}
	if (proto_peer_name_problem(s, wb, sizeof wb) != NULL && wb[0] == '\0')
		abort();
	free(s);
	return 0;
}
