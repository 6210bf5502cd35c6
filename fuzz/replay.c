/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs a fuzz target over every file of its corpus, so that the ordinary test run (under ASan
 * and UBSan) replays what fuzzing found. Arguments: files or directories. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MAX_INPUT (1024 * 1024)

static int replay_file(const char *path)
{
        FILE *f = fopen(path, "rb");
        uint8_t *buf;
        size_t n;

        if (!f) {
                perror(path);
                return -1;
        }
        buf = malloc(REPLAY_MAX_INPUT);
        if (!buf) {
                fclose(f);
                return -1;
        }
        n = fread(buf, 1, REPLAY_MAX_INPUT, f);
        fclose(f);
        /* An exact-size copy, so ASan sees reads past the end of the input. */
        {
                uint8_t *exact = malloc(n ? n : 1);
                if (!exact) {
                        free(buf);
                        return -1;
                }
                memcpy(exact, buf, n);
                free(buf);
                LLVMFuzzerTestOneInput(exact, n);
                free(exact);
        }
        return 0;
}

static int replay(const char *path, unsigned *count)
{
        struct stat st;
        DIR *d;
        struct dirent *de;
        int r = 0;

        if (stat(path, &st) < 0) {
                perror(path);
                return -1;
        }
        if (!S_ISDIR(st.st_mode)) {
                (*count)++;
                return replay_file(path);
        }
        d = opendir(path);
        if (!d) {
                perror(path);
                return -1;
        }
        while ((de = readdir(d)) && r == 0) {
                char child[4096];
                if (de->d_name[0] == '.')
                        continue;
                snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
                r = replay(child, count);
        }
        closedir(d);
        return r;
}

int main(int argc, char **argv)
{
        unsigned count = 0;

        for (int i = 1; i < argc; i++)
                if (replay(argv[i], &count) < 0)
                        return 1;
        if (count == 0) {
                fprintf(stderr, "no corpus files found\n");
                return 1;
        }
        printf("replayed %u inputs\n", count);
        return 0;
}
