/* Nonces and tokens come from the CSPRNG: the format, and no repeats. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>

#include "check.h"
#include "nonce.h"

int main(void)
{
	char a[40], b[40], small[8];
	bool hex = true;

	CHECK("a nonce is made", nonce_make(a, sizeof(a), 7, 12) == 0);
	CHECK("it starts with the generation", strncmp(a, "7-", 2) == 0);
	CHECK("then 12 random bytes in hex", strlen(a) == 2 + 24);
	for (const char *p = a + 2; *p; p++)
		hex = hex && isxdigit((unsigned char)*p) && !isupper((unsigned char)*p);
	CHECK("lower-case hex", hex);
	nonce_make(b, sizeof(b), 7, 12);
	CHECK("two nonces differ", strcmp(a, b) != 0);
	CHECK("a short buffer is cut, never overrun", nonce_make(small, sizeof(small), 7, 12) == 0 &&
	      strlen(small) < sizeof(small));
	CHECK("more bytes than it can draw is refused", nonce_make(a, sizeof(a), 7, 33) == -EIO && !a[0]);
	return CHECK_DONE();
}
