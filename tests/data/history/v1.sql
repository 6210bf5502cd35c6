-- SPDX-License-Identifier: LGPL-2.1-or-later
-- A safeflash history at schema version 1, as the first release wrote it, with a little of
-- everything in it. The unit test copies v1.db (made from this file) and checks that it upgrades
-- to the current schema with every row intact. Regenerate with:
--   rm -f v1.db && sqlite3 v1.db < v1.sql
-- The schema part is the version 1 migration of src/history/schema.c, verbatim; never change it.
--
-- Module 1 (EC25-E, chip serial 0x0cf94c64): seen in EDL, then over AT on R06A19; updated to
-- R06A21 in session 1 (backup of its EFS first); session 2 was left running by a process of a
-- boot long gone, so it must come back as interrupted. Module 2 (EC25-AF) is known by IMEI only;
-- its backup session failed.
PRAGMA journal_mode = WAL;
BEGIN;
CREATE TABLE modules (
        id INTEGER PRIMARY KEY,
        chip_serial INTEGER UNIQUE CHECK (chip_serial BETWEEN 0 AND 4294967295),
        imei TEXT UNIQUE CHECK (length(imei) = 15 AND imei NOT GLOB '*[^0-9]*'),
        hw_id TEXT CHECK (length(hw_id) = 16),
        model TEXT,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        CHECK (chip_serial IS NOT NULL OR imei IS NOT NULL)
);
CREATE TABLE identities (
        id INTEGER PRIMARY KEY,
        module_id INTEGER NOT NULL REFERENCES modules (id),
        source TEXT NOT NULL CHECK (source IN ('at', 'diag', 'sahara')),
        chip_serial INTEGER,
        imei TEXT,
        hw_id TEXT,
        model TEXT,
        firmware TEXT,
        pk_hash TEXT,
        observed_at INTEGER NOT NULL
);
CREATE INDEX identities_module ON identities (module_id, observed_at);
CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        module_id INTEGER REFERENCES modules (id),
        kind TEXT NOT NULL
                CHECK (kind IN ('update', 'flash', 'recover', 'backup', 'restore')),
        outcome TEXT NOT NULL DEFAULT 'running' CHECK (outcome IN
                ('running', 'success', 'failed', 'refused', 'interrupted')),
        package TEXT,
        from_version TEXT,
        to_version TEXT,
        log_path TEXT,
        owner TEXT,
        error TEXT,
        started_at INTEGER NOT NULL,
        ended_at INTEGER
);
CREATE INDEX sessions_module ON sessions (module_id);
CREATE INDEX sessions_running ON sessions (outcome) WHERE outcome = 'running';
CREATE TABLE steps (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions (id),
        name TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('started', 'done', 'failed')),
        detail TEXT,
        at INTEGER NOT NULL
);
CREATE INDEX steps_session ON steps (session_id);
CREATE TABLE installs (
        id INTEGER PRIMARY KEY,
        module_id INTEGER NOT NULL REFERENCES modules (id),
        session_id INTEGER NOT NULL UNIQUE REFERENCES sessions (id),
        from_version TEXT,
        to_version TEXT NOT NULL,
        package_sha256 TEXT CHECK (length(package_sha256) = 64),
        installed_at INTEGER NOT NULL
);
CREATE INDEX installs_module ON installs (module_id);
CREATE TABLE backups (
        id INTEGER PRIMARY KEY,
        module_id INTEGER NOT NULL REFERENCES modules (id),
        session_id INTEGER REFERENCES sessions (id),
        path TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        verified INTEGER NOT NULL DEFAULT 0 CHECK (verified IN (0, 1))
);
CREATE INDEX backups_module ON backups (module_id);
CREATE TABLE backup_partitions (
        backup_id INTEGER NOT NULL REFERENCES backups (id),
        seq INTEGER NOT NULL,
        name TEXT NOT NULL,
        size INTEGER NOT NULL CHECK (size >= 0),
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
        PRIMARY KEY (backup_id, seq)
);
PRAGMA application_id = 1397114929;
PRAGMA user_version = 1;

INSERT INTO modules (id, chip_serial, imei, hw_id, model, first_seen, last_seen) VALUES
        (1, 217664612, '861234567890123', '000480e100000000', 'EC25-E', 1700000000, 1700004000),
        (2, NULL, '869876543210987', NULL, 'EC25-AF', 1700100000, 1700100000);

INSERT INTO identities (id, module_id, source, chip_serial, imei, hw_id, model, firmware,
                        pk_hash, observed_at) VALUES
        (1, 1, 'sahara', 217664612, NULL, '000480e100000000', NULL, NULL,
         'cc3153a80293939b90d02d3bf8b23e0292e452fef662c74998421adad42a380f', 1700000000),
        (2, 1, 'at', 217664612, '861234567890123', NULL, 'EC25-E', 'EC25EFAR06A19M4G', NULL,
         1700000100),
        (3, 1, 'at', NULL, '861234567890123', NULL, 'EC25-E', 'EC25EFAR06A21M4G', NULL,
         1700003000),
        (4, 2, 'at', NULL, '869876543210987', NULL, 'EC25-AF', 'EC25AFFAR05A04M4G', NULL,
         1700100000);

INSERT INTO sessions (id, module_id, kind, outcome, package, from_version, to_version, log_path,
                      owner, error, started_at, ended_at) VALUES
        (1, 1, 'update', 'success', '/srv/fw/EC25EFAR06A21M4G_01.001.01.001',
         'EC25EFAR06A19M4G', 'EC25EFAR06A21M4G', '/home/eng/.local/state/safeflash/logs/1.log',
         '3b1c5a52-0c9e-4a5e-9d8e-1f0e6f7a2b11:4026531836:4242:123456:1', NULL,
         1700000200, 1700003100),
        (2, 1, 'update', 'running', '/srv/fw/EC25EFAR06A21M4G_01.001.01.001',
         'EC25EFAR06A21M4G', 'EC25EFAR06A21M4G', '/home/eng/.local/state/safeflash/logs/2.log',
         '3b1c5a52-0c9e-4a5e-9d8e-1f0e6f7a2b11:4026531836:4343:234567:1', NULL,
         1700004000, NULL),
        (3, 2, 'backup', 'failed', NULL, NULL, NULL,
         '/home/eng/.local/state/safeflash/logs/3.log',
         '3b1c5a52-0c9e-4a5e-9d8e-1f0e6f7a2b11:4026531836:4444:345678:1',
         'writing the backup: No space left on device', 1700100010, 1700100060);

INSERT INTO steps (id, session_id, name, state, detail, at) VALUES
        (1, 1, 'preflight', 'started', NULL, 1700000200),
        (2, 1, 'preflight', 'done', 'EC25EFAR06A19M4G -> EC25EFAR06A21M4G: allowed', 1700000210),
        (3, 1, 'backup', 'started', NULL, 1700000210),
        (4, 1, 'backup', 'done', '3 partitions, verified', 1700000400),
        (5, 1, 'flash', 'started', NULL, 1700000420),
        (6, 1, 'flash', 'done', '14 partitions written, 3 skipped', 1700002900),
        (7, 1, 'verify', 'done', 'AT reports EC25EFAR06A21M4G', 1700003050),
        (8, 2, 'preflight', 'started', NULL, 1700004000),
        (9, 3, 'backup', 'started', NULL, 1700100010),
        (10, 3, 'backup', 'failed', 'No space left on device', 1700100060);

INSERT INTO installs (id, module_id, session_id, from_version, to_version, package_sha256,
                      installed_at) VALUES
        (1, 1, 1, 'EC25EFAR06A19M4G', 'EC25EFAR06A21M4G',
         '0f61067a1289d935e8c572962bfc88c4394a8990b45a8942557c77a6cb00a820', 1700003050);

INSERT INTO backups (id, module_id, session_id, path, created_at, verified) VALUES
        (1, 1, 1, '/home/eng/.local/state/safeflash/backups/0cf94c64-1700000210', 1700000400, 1);

INSERT INTO backup_partitions (backup_id, seq, name, size, sha256) VALUES
        (1, 0, 'efs2', 11796480,
         'f7daacd2a2fb4f3f1da91e89c929d25e3b1f7eb1c794c226e55bb6cdd876cdf8'),
        (1, 1, 'fsg', 1572864, 'e1b5964b5cfe6734638bec8a55cd9518861c4ab9469a47ff6d106676017d3b2d'),
        (1, 2, 'fsc', 1024, '89e93f6c6ca5bd8cb7c89d094114989cb52c0fbd48939c511625d1e171bf1dde');

COMMIT;
