/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "proto/mibib.h"
#include "util/endian.h"

#define MIBIB_MAGIC1  0xFE569FACu
#define MIBIB_MAGIC2  0xCD7F127Au
#define PTABLE_MAGIC1 0x55EE73AAu
#define PTABLE_MAGIC2 0xE35EBDDBu
#define ENTRY_LEN     28

static int parse_entry(const uint8_t *e, struct sf_mibib_part *p)
{
        const char *name = (const char *)e;
        size_t n = strnlen(name, 16); /* all 16 bytes may be used: no terminator then */

        memset(p, 0, sizeof(*p));
        if (n >= 2 && name[1] == ':') { /* the flash-device prefix, "0:" */
                name += 2;
                n -= 2;
        }
        if (n == 0)
                return -EPROTO;
        for (size_t i = 0; i < n; i++)
                if (name[i] < 0x21 || name[i] > 0x7e)
                        return -EPROTO;
        memcpy(p->name, name, n);
        p->offset = sf_le32(e + 16);
        p->length = sf_le32(e + 20);
        p->attr1 = e[24];
        p->attr2 = e[25];
        p->attr3 = e[26];
        p->which_flash = e[27];
        return 0;
}

int sf_mibib_parse(const uint8_t *block, size_t len, size_t page_size, struct sf_mibib *ret)
{
        struct sf_mibib m = {0};
        const uint8_t *t;
        uint32_t n;

        if (!block || !ret || page_size < 512)
                return -EINVAL;
        if (len < 2 * page_size)
                return -EPROTO;
        if (sf_le32(block) != MIBIB_MAGIC1 || sf_le32(block + 4) != MIBIB_MAGIC2)
                return -EPROTO;
        m.version = sf_le32(block + 8);
        m.age = sf_le32(block + 12);
        t = block + page_size;
        if (sf_le32(t) != PTABLE_MAGIC1 || sf_le32(t + 4) != PTABLE_MAGIC2)
                return -EPROTO;
        n = sf_le32(t + 12);
        if (n > SF_MIBIB_MAX_PARTS)
                return -E2BIG;
        if (16 + (size_t)n * ENTRY_LEN > page_size)
                return -EPROTO;
        for (uint32_t i = 0; i < n; i++)
                if (parse_entry(t + 16 + i * ENTRY_LEN, &m.parts[i]) < 0)
                        return -EPROTO;
        m.n = n;
        *ret = m;
        return 0;
}

const struct sf_mibib_part *sf_mibib_find(const struct sf_mibib *m, const char *name)
{
        if (name[0] && name[1] == ':')
                name += 2;
        for (unsigned i = 0; i < m->n; i++)
                if (strcasecmp(m->parts[i].name, name) == 0)
                        return &m->parts[i];
        return NULL;
}
