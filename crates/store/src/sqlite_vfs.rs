//! A thin SQLite VFS over the operating system's own ("unix") that gathers
//! the writes of a write-ahead log into one system call per commit.
//!
//! SQLite writes each WAL frame as two `pwrite` calls (its 24-byte header,
//! then the page), so a group commit of 30 registrations, which dirties
//! about 110 pages, made about 220 system calls before its `fsync`: the
//! kernel's side of those calls was a tenth of the benchmark process's
//! time and a quarter of the one writer thread's (`perf`, eleventh session;
//! docs/benchmarks.md). Here the frames written one after the other are
//! copied into a buffer and written in a few calls (of at most
//! [`MAX_CALL`] bytes) when SQLite next syncs the file (every commit with
//! `synchronous = FULL`), asks its size, truncates it, closes it, reads a
//! range that is partly gathered (a read wholly inside the buffer is
//! answered from it, one outside it from the file), writes elsewhere, or
//! when the buffer holds [`BUFFER_BYTES`].
//!
//! Why this keeps SQLite's guarantees: a write that SQLite has not synced
//! may be lost in a crash anyway (the page cache is not the disk), and
//! SQLite only counts on what `xSync` returned for; a read of the file by
//! the connection itself sees the gathered bytes (from the buffer, or
//! written first). Other connections read only the frames that the WAL
//! index says are committed, and SQLite publishes a commit's frames there
//! between two barriers of the database file's shared memory
//! (`walIndexWriteHdr` in SQLite's `wal.c`): the database file's barrier
//! writes its WAL's buffer first (with `synchronous = FULL` the commit's
//! sync has already written it; with `NORMAL`, or a commit padded to a
//! sector, it has not). When the connection gives up the WAL's write lock,
//! whatever is still gathered was never committed (a transaction rolled
//! back after it spilled pages) and is dropped, as SQLite forgets it,
//! before another writer can commit frames at the same offsets. For that,
//! a WAL file is linked to its database file, which this VFS opened too
//! (`sqlite3_database_file_object`). A review found those two cases
//! (frames of a rolled-back spill written over another writer's commit;
//! frames published before written with `NORMAL`); the tests below
//! reproduce both and fail without the barrier's write or the drop.
//!
//! Files other than a WAL are passed through untouched. The only `unsafe`
//! code of the workspace is in this module: SQLite's VFS is a C interface.
#![allow(unsafe_code)]

use std::ffi::{CStr, c_int, c_void};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use libsqlite3_sys as ffi;

/// The name under which the VFS is registered (`vfs=` of a connection).
pub const NAME: &str = "ciao-wal-gather";
const NAME_C: &CStr = c"ciao-wal-gather";

/// Largest run of WAL bytes kept before it is written: above a 200-item
/// bulk's commit (about 1,600 registrations, 7 MB of frames), so that the
/// pages such a transaction spills from the writer's cache and writes again
/// are rewritten in the buffer, not in the file (measured: 45 writes per
/// bulk commit instead of 430 with 4 MiB). A commit of single items is
/// about 450 KiB. The buffer keeps its size once grown (part of the
/// writer's resident memory).
const BUFFER_BYTES: usize = 16 << 20;

/// WAL writes asked for by SQLite, and made by this VFS, since the process
/// started (for the benchmark's report and the tests).
static WAL_WRITES_ASKED: AtomicU64 = AtomicU64::new(0);
static WAL_WRITES_MADE: AtomicU64 = AtomicU64::new(0);

/// (WAL writes SQLite asked for, writes made) since the process started.
pub fn wal_writes() -> (u64, u64) {
    (WAL_WRITES_ASKED.load(Ordering::Relaxed), WAL_WRITES_MADE.load(Ordering::Relaxed))
}

/// Largest write passed to the wrapped VFS in one call: the unix VFS writes
/// at most 128 KiB − 1 bytes per call (`seekAndWriteFd` masks the length
/// with `0x1ffff`), so a larger run is written in pieces of 31 pages with
/// their frame headers (about 124 KiB): a commit of single items in four
/// calls instead of two per page.
const MAX_CALL: usize = 0x1f000;

/// The VFS this one wraps (the process's default, "unix" on Linux).
struct Base(*mut ffi::sqlite3_vfs);
// SAFETY: SQLite's VFS objects are registered once and never freed; their
// methods are thread-safe by SQLite's contract.
unsafe impl Send for Base {}
unsafe impl Sync for Base {}

static REGISTERED: OnceLock<std::result::Result<Base, String>> = OnceLock::new();

/// Registers the VFS with SQLite (once per process; later calls answer the
/// first call's outcome).
pub fn register() -> std::result::Result<(), String> {
    REGISTERED.get_or_init(register_once).as_ref().map(|_| ()).map_err(Clone::clone)
}

fn register_once() -> std::result::Result<Base, String> {
    // SAFETY: sqlite3_vfs_find may be called before sqlite3_initialize (it
    // initialises the library itself); the default VFS is never freed. The
    // copy we register is leaked, as SQLite keeps a pointer to it for the
    // life of the process.
    unsafe {
        let base = ffi::sqlite3_vfs_find(std::ptr::null());
        if base.is_null() {
            return Err("SQLite has no default VFS".into());
        }
        let mut ours: ffi::sqlite3_vfs = std::ptr::read(base);
        let header = std::mem::size_of::<GatherFile>();
        ours.szOsFile = c_int::try_from(header)
            .ok()
            .and_then(|h| h.checked_add((*base).szOsFile))
            .ok_or("VFS file size out of range")?;
        ours.pNext = std::ptr::null_mut();
        ours.zName = NAME_C.as_ptr();
        ours.xOpen = Some(open);
        let ours = Box::into_raw(Box::new(ours));
        let rc = ffi::sqlite3_vfs_register(ours, 0);
        if rc != ffi::SQLITE_OK {
            drop(Box::from_raw(ours));
            return Err(format!("SQLite refused the VFS {NAME} (code {rc})"));
        }
        Ok(Base(base))
    }
}

/// Our file object: SQLite allocates `szOsFile` bytes; ours come first
/// (`base` must be the first field), the wrapped VFS's file right after.
#[repr(C)]
struct GatherFile {
    base: ffi::sqlite3_file,
    /// The wrapped VFS's file, in the same allocation after this header.
    real: *mut ffi::sqlite3_file,
    /// Set for a WAL file only.
    buffer: *mut Gathered,
    /// A WAL file's database file (through this VFS too), and a database
    /// file's open WAL: the database file's shared-memory calls mark the
    /// moments when the WAL's buffer must be written (the barrier before a
    /// commit is published) or dropped (the end of a write transaction).
    link: *mut GatherFile,
    /// Tests only: a WAL whose writes [`fail_writes`] may make fail.
    #[cfg(test)]
    injected: bool,
}

/// WAL bytes written by SQLite and not yet by us: `data` belongs at file
/// offset `start`.
#[derive(Default)]
struct Gathered {
    start: i64,
    data: Vec<u8>,
}

static METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 3,
    xClose: Some(close),
    xRead: Some(read),
    xWrite: Some(write),
    xTruncate: Some(truncate),
    xSync: Some(sync),
    xFileSize: Some(file_size),
    xLock: Some(lock),
    xUnlock: Some(unlock),
    xCheckReservedLock: Some(check_reserved_lock),
    xFileControl: Some(file_control),
    xSectorSize: Some(sector_size),
    xDeviceCharacteristics: Some(device_characteristics),
    xShmMap: Some(shm_map),
    xShmLock: Some(shm_lock),
    xShmBarrier: Some(shm_barrier),
    xShmUnmap: Some(shm_unmap),
    xFetch: Some(fetch),
    xUnfetch: Some(unfetch),
};

unsafe extern "C" fn open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let Some(Ok(Base(base))) = REGISTERED.get() else { return ffi::SQLITE_ERROR };
    // SAFETY: `file` points to szOsFile bytes (our header, then the base
    // VFS's file), allocated by SQLite with pointer alignment, which
    // GatherFile's size keeps for the part after it.
    unsafe {
        let ours = file.cast::<GatherFile>();
        let real = file.cast::<u8>().add(std::mem::size_of::<GatherFile>()).cast::<ffi::sqlite3_file>();
        (*ours).base.pMethods = std::ptr::null();
        (*ours).real = real;
        (*ours).buffer = std::ptr::null_mut();
        (*ours).link = std::ptr::null_mut();
        #[cfg(test)]
        {
            (*ours).injected = false;
        }
        (*real).pMethods = std::ptr::null();
        let Some(base_open) = (**base).xOpen else { return ffi::SQLITE_ERROR };
        let rc = base_open(*base, name, real, flags, out_flags);
        if rc != ffi::SQLITE_OK {
            // SQLite calls xClose only on a file whose pMethods is set: ours
            // stays null, so the base's file is closed here if it was opened.
            if let Some(m) = (*real).pMethods.as_ref()
                && let Some(close) = m.xClose
            {
                close(real);
            }
            return rc;
        }
        if (*(*real).pMethods).iVersion < 3 {
            // Every method of ours delegates; a base file without the
            // shared-memory and memory-map methods is not wrapped.
            if let Some(close) = (*(*real).pMethods).xClose {
                close(real);
            }
            return ffi::SQLITE_CANTOPEN;
        }
        if flags & ffi::SQLITE_OPEN_WAL != 0 && !name.is_null() {
            // Gathered only when the database file is ours too (the
            // connection's VFS), so that its shared-memory calls reach us.
            let db = ffi::sqlite3_database_file_object(name).cast::<GatherFile>();
            if !db.is_null() && std::ptr::eq((*db).base.pMethods, &METHODS) {
                (*ours).buffer = Box::into_raw(Box::default());
                (*ours).link = db;
                (*db).link = ours;
                #[cfg(test)]
                {
                    (*ours).injected = CStr::from_ptr(name).to_string_lossy().contains(INJECTED_MARK);
                }
            }
        }
        (*ours).base.pMethods = &METHODS;
        ffi::SQLITE_OK
    }
}

/// The wrapped file and its methods.
///
/// # Safety
/// `file` is a file opened by [`open`].
unsafe fn parts(file: *mut ffi::sqlite3_file) -> (*mut ffi::sqlite3_file, &'static ffi::sqlite3_io_methods) {
    // SAFETY: open set `real` and its methods before setting ours, which
    // SQLite needs to call us; the base VFS's methods are static.
    unsafe {
        let real = (*file.cast::<GatherFile>()).real;
        (real, &*(*real).pMethods)
    }
}

/// Writes what was gathered, if anything. What a failed write leaves
/// unwritten stays gathered: the next sync, read, size, truncation or close
/// tries again and reports the error to SQLite (which then fails the
/// transaction; a transaction that ends without committing has what it
/// gathered dropped at the release of the WAL write lock, [`shm_lock`]).
///
/// # Safety
/// `file` is a file opened by [`open`].
unsafe fn flush(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: as for `parts`; the buffer is only reached through its file,
    // which SQLite uses from one thread at a time.
    unsafe {
        let buffer = (*file.cast::<GatherFile>()).buffer;
        let Some(b) = buffer.as_mut() else { return ffi::SQLITE_OK };
        if b.data.is_empty() {
            return ffi::SQLITE_OK;
        }
        let (real, m) = parts(file);
        let Some(w) = m.xWrite else { return ffi::SQLITE_IOERR_WRITE };
        let mut written = 0;
        for chunk in b.data.chunks(MAX_CALL) {
            WAL_WRITES_MADE.fetch_add(1, Ordering::Relaxed);
            #[cfg(test)]
            if (*file.cast::<GatherFile>()).injected && injected_failure() {
                b.data.drain(..written);
                b.start += written as i64;
                return ffi::SQLITE_IOERR_WRITE;
            }
            // MAX_CALL fits in a c_int.
            let rc = w(real, chunk.as_ptr().cast(), chunk.len() as c_int, b.start + written as i64);
            if rc != ffi::SQLITE_OK {
                b.data.drain(..written);
                b.start += written as i64;
                return rc;
            }
            written += chunk.len();
        }
        b.data.clear();
        ffi::SQLITE_OK
    }
}

unsafe extern "C" fn write(file: *mut ffi::sqlite3_file, src: *const c_void, amount: c_int, offset: i64) -> c_int {
    // SAFETY: SQLite passes `amount` readable bytes at `src`; the buffer is
    // borrowed only between calls that reach it through `file` (flush).
    unsafe {
        let buffer = (*file.cast::<GatherFile>()).buffer;
        let (real, m) = parts(file);
        let Some(real_write) = m.xWrite else { return ffi::SQLITE_IOERR_WRITE };
        let n = match usize::try_from(amount) {
            Ok(n) if !buffer.is_null() => n,
            _ => return real_write(real, src, amount, offset),
        };
        WAL_WRITES_ASKED.fetch_add(1, Ordering::Relaxed);
        let bytes = std::slice::from_raw_parts(src.cast::<u8>(), n);
        {
            let b = &mut *buffer;
            let end = b.start + b.data.len() as i64;
            // Within or right after what is gathered (SQLite rewrites a
            // frame of the open transaction in place): into the buffer.
            if !b.data.is_empty() && offset >= b.start && offset <= end {
                let at = (offset - b.start) as usize;
                if at + n <= BUFFER_BYTES {
                    if at + n > b.data.len() {
                        b.data.resize(at + n, 0);
                    }
                    b.data[at..at + n].copy_from_slice(bytes);
                    return ffi::SQLITE_OK;
                }
            }
        }
        {
            // Wholly before what is gathered (a page of the open transaction
            // spilled earlier and written again, once the buffer moved on):
            // written as it is, the buffer kept.
            let b = &*buffer;
            if !b.data.is_empty() && offset + n as i64 <= b.start {
                WAL_WRITES_MADE.fetch_add(1, Ordering::Relaxed);
                return real_write(real, src, amount, offset);
            }
        }
        let rc = flush(file);
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        if n > MAX_CALL {
            WAL_WRITES_MADE.fetch_add(1, Ordering::Relaxed);
            return real_write(real, src, amount, offset);
        }
        let b = &mut *buffer;
        b.start = offset;
        b.data.extend_from_slice(bytes);
        ffi::SQLITE_OK
    }
}

/// A read of bytes that are gathered is answered from the buffer; a read
/// elsewhere in the file (frames of earlier commits, which the writer reads
/// back when a page is not in its cache) goes to the file as it is, without
/// writing the buffer first.
unsafe extern "C" fn read(file: *mut ffi::sqlite3_file, dst: *mut c_void, amount: c_int, offset: i64) -> c_int {
    // SAFETY: SQLite passes `amount` writable bytes at `dst`; the buffer is
    // borrowed only until flush reaches it through `file`.
    unsafe {
        let buffer = (*file.cast::<GatherFile>()).buffer;
        let overlaps = match (buffer.as_ref(), usize::try_from(amount)) {
            (Some(b), Ok(n)) if !b.data.is_empty() => {
                let end = b.start + b.data.len() as i64;
                if offset >= b.start && offset + n as i64 <= end {
                    let at = (offset - b.start) as usize;
                    std::ptr::copy_nonoverlapping(b.data[at..at + n].as_ptr(), dst.cast::<u8>(), n);
                    return ffi::SQLITE_OK;
                }
                offset < end && offset + n as i64 > b.start
            }
            _ => false,
        };
        if overlaps {
            let rc = flush(file);
            if rc != ffi::SQLITE_OK {
                return rc;
            }
        }
        let (real, m) = parts(file);
        match m.xRead {
            Some(f) => f(real, dst, amount, offset),
            None => ffi::SQLITE_IOERR_READ,
        }
    }
}

unsafe extern "C" fn close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: SQLite closes a file once; the buffer was boxed by open.
    unsafe {
        let flushed = flush(file);
        let (real, m) = parts(file);
        let closed = m.xClose.map_or(ffi::SQLITE_OK, |c| c(real));
        let ours = file.cast::<GatherFile>();
        // The WAL is closed before its database file; either way, neither
        // keeps a pointer to the other once one is closed.
        if let Some(other) = (*ours).link.as_mut()
            && std::ptr::eq(other.link, ours)
        {
            other.link = std::ptr::null_mut();
        }
        (*ours).link = std::ptr::null_mut();
        if !(*ours).buffer.is_null() {
            drop(Box::from_raw((*ours).buffer));
            (*ours).buffer = std::ptr::null_mut();
        }
        if flushed != ffi::SQLITE_OK { flushed } else { closed }
    }
}

/// A method that first writes what was gathered, then delegates.
macro_rules! flushing {
    ($name:ident, $field:ident, ($($arg:ident: $ty:ty),*)) => {
        unsafe extern "C" fn $name(file: *mut ffi::sqlite3_file $(, $arg: $ty)*) -> c_int {
            // SAFETY: `file` was opened by `open`; the arguments are SQLite's.
            unsafe {
                let rc = flush(file);
                if rc != ffi::SQLITE_OK {
                    return rc;
                }
                let (real, m) = parts(file);
                match m.$field {
                    Some(f) => f(real $(, $arg)*),
                    None => ffi::SQLITE_IOERR,
                }
            }
        }
    };
}

/// A method that delegates (it neither reads nor writes the file's bytes).
macro_rules! passing {
    ($name:ident, $field:ident, ($($arg:ident: $ty:ty),*), $ret:ty, $missing:expr) => {
        unsafe extern "C" fn $name(file: *mut ffi::sqlite3_file $(, $arg: $ty)*) -> $ret {
            // SAFETY: `file` was opened by `open`; the arguments are SQLite's.
            unsafe {
                let (real, m) = parts(file);
                match m.$field {
                    Some(f) => f(real $(, $arg)*),
                    None => $missing,
                }
            }
        }
    };
}

flushing!(truncate, xTruncate, (size: i64));
flushing!(sync, xSync, (flags: c_int));
flushing!(file_size, xFileSize, (size: *mut i64));
flushing!(file_control, xFileControl, (op: c_int, arg: *mut c_void));
flushing!(fetch, xFetch, (offset: i64, amount: c_int, out: *mut *mut c_void));
passing!(lock, xLock, (level: c_int), c_int, ffi::SQLITE_IOERR);
passing!(unlock, xUnlock, (level: c_int), c_int, ffi::SQLITE_IOERR);
passing!(check_reserved_lock, xCheckReservedLock, (out: *mut c_int), c_int, ffi::SQLITE_IOERR);
passing!(sector_size, xSectorSize, (), c_int, 4096);
passing!(device_characteristics, xDeviceCharacteristics, (), c_int, 0);
passing!(shm_map, xShmMap, (region: c_int, size: c_int, extend: c_int, out: *mut *mut c_void), c_int, ffi::SQLITE_IOERR);
passing!(shm_unmap, xShmUnmap, (delete: c_int), c_int, ffi::SQLITE_IOERR);
passing!(unfetch, xUnfetch, (offset: i64, page: *mut c_void), c_int, ffi::SQLITE_IOERR);

/// SQLite's WAL write lock (`WAL_WRITE_LOCK` in `wal.c`): the first lock
/// of the shared memory.
const WAL_WRITE_LOCK: c_int = 0;

/// On a database file: when its connection gives up the WAL's write lock,
/// whatever its WAL still has gathered was never committed (a commit's
/// frames were written at its sync, or at the barrier before they were
/// published): the frames of a transaction rolled back after it spilled
/// pages. They are dropped, as SQLite itself forgets them, before another
/// writer can take the lock and commit frames at the same offsets.
unsafe extern "C" fn shm_lock(file: *mut ffi::sqlite3_file, offset: c_int, n: c_int, flags: c_int) -> c_int {
    // SAFETY: `file` was opened by `open`; its link, if set, is its open
    // WAL (cleared when either is closed), used by the same connection.
    unsafe {
        if offset == WAL_WRITE_LOCK
            && flags == ffi::SQLITE_SHM_UNLOCK | ffi::SQLITE_SHM_EXCLUSIVE
            && let Some(wal) = (*file.cast::<GatherFile>()).link.as_mut()
            && let Some(b) = wal.buffer.as_mut()
        {
            b.data.clear();
        }
        let (real, m) = parts(file);
        match m.xShmLock {
            Some(f) => f(real, offset, n, flags),
            None => ffi::SQLITE_IOERR,
        }
    }
}

/// On a database file: SQLite publishes a commit's frames in the WAL index
/// between two barriers (`walIndexWriteHdr`), so the WAL's gathered bytes
/// are written first. With `synchronous = FULL` the commit's sync has
/// written them already; this keeps other connections from reading frames
/// that are not in the file with `NORMAL`, or when SQLite pads a commit to
/// a sector and writes the rest of a frame after its sync. A failed write
/// here cannot be reported (the barrier returns nothing): what it could not
/// write stays gathered, and the next sync (the commit's own with `FULL`)
/// or read tries again and reports it.
unsafe extern "C" fn shm_barrier(file: *mut ffi::sqlite3_file) {
    // SAFETY: as for shm_lock.
    unsafe {
        let wal = (*file.cast::<GatherFile>()).link;
        if !wal.is_null() && !(*wal).buffer.is_null() {
            let _ = flush(wal.cast());
        }
        let (real, m) = parts(file);
        if let Some(f) = m.xShmBarrier {
            f(real);
        }
    }
}

/// Tests only: the WAL files whose path holds this are the ones
/// [`fail_writes`] reaches (the crate's other tests use the VFS meanwhile).
#[cfg(test)]
const INJECTED_MARK: &str = "ciao-vfs-fault-";

/// Tests only: (writes to let through, then writes to fail) of the WAL
/// files marked with [`INJECTED_MARK`].
#[cfg(test)]
static INJECTED: std::sync::Mutex<(u32, u32)> = std::sync::Mutex::new((0, 0));

/// Tests only: the next `pass` writes of gathered bytes to a marked WAL
/// succeed, the `fail` after them fail (as a full disk would).
#[cfg(test)]
fn fail_writes(pass: u32, fail: u32) {
    *INJECTED.lock().unwrap() = (pass, fail);
}

/// Tests only: whether this write of gathered bytes fails.
#[cfg(test)]
fn injected_failure() -> bool {
    let mut plan = INJECTED.lock().unwrap();
    match *plan {
        (0, 0) => false,
        (0, fail) => {
            plan.1 = fail - 1;
            true
        }
        (pass, fail) => {
            *plan = (pass - 1, fail);
            false
        }
    }
}

/// For tests: the VFS's name as SQLite knows it.
#[cfg(test)]
fn registered_name() -> Option<String> {
    // SAFETY: a registered VFS's name is a static C string.
    unsafe {
        let vfs = ffi::sqlite3_vfs_find(NAME_C.as_ptr());
        vfs.as_ref().map(|v| CStr::from_ptr(v.zName).to_string_lossy().into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::sqlite::{SqliteConnectOptions, SqliteSynchronous};
    use sqlx::{Connection, SqliteConnection};

    /// The tests read the process-wide counters: one at a time.
    static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

    #[test]
    fn registers_once_under_its_name() {
        register().unwrap();
        register().unwrap();
        assert_eq!(registered_name().as_deref(), Some(NAME));
    }

    /// A fresh directory for one test's database.
    fn dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("ciao-vfs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn url(dir: &std::path::Path) -> String {
        format!("sqlite://{}", dir.join("w.db").display())
    }

    /// The registration writer's options (this VFS, FULL), with a page
    /// cache of `cache_pages` pages (small: transactions spill to the WAL).
    fn writer(dir: &std::path::Path, cache_pages: Option<u32>) -> SqliteConnectOptions {
        let options = crate::sqlite::writer_options(crate::sqlite::connect_options(&url(dir)).unwrap());
        match cache_pages {
            Some(n) => options.pragma("cache_size", n.to_string()),
            None => options,
        }
    }

    /// A connection on the operating system's own VFS.
    async fn plain(dir: &std::path::Path) -> SqliteConnection {
        SqliteConnection::connect_with(&crate::sqlite::connect_options(&url(dir)).unwrap()).await.unwrap()
    }

    async fn count(conn: &mut SqliteConnection, table: &str) -> i64 {
        let sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"));
        sqlx::query_scalar(sql).fetch_one(conn).await.unwrap()
    }

    async fn check(conn: &mut SqliteConnection) {
        let ok: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(conn).await.unwrap();
        assert_eq!(ok, "ok");
    }

    /// Inserts `rows` rows of random keys (every page of the unique index
    /// dirtied) and 600 bytes each.
    async fn insert(conn: &mut SqliteConnection, table: &str, rows: i64) {
        try_insert(conn, table, rows).await.unwrap();
    }

    /// [`insert`], answering SQLite's error.
    async fn try_insert(conn: &mut SqliteConnection, table: &str, rows: i64) -> Result<(), sqlx::Error> {
        let sql = sqlx::AssertSqlSafe(format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
             INSERT INTO {table} (k, v) SELECT hex(randomblob(12)), randomblob(600) FROM n"
        ));
        sqlx::query(sql).bind(rows).execute(conn).await.map(|_| ())
    }

    /// A writer through the VFS with `options` on a database with tables
    /// `t` and `u`, and a connection on the operating system's own VFS.
    async fn writer_and_plain(
        dir: &std::path::Path,
        options: SqliteConnectOptions,
    ) -> (SqliteConnection, SqliteConnection) {
        let mut writer = SqliteConnection::connect_with(&options).await.unwrap();
        create(&mut writer).await;
        (writer, plain(dir).await)
    }

    async fn create(conn: &mut SqliteConnection) {
        for table in ["t", "u"] {
            let sql =
                sqlx::AssertSqlSafe(format!("CREATE TABLE {table} (id INTEGER PRIMARY KEY, k TEXT UNIQUE, v BLOB)"));
            sqlx::query(sql).execute(&mut *conn).await.unwrap();
        }
    }

    /// The database and its WAL copied as a crash would leave them (the
    /// writer still open, nothing checkpointed), then opened: what SQLite
    /// recovers from the files.
    async fn count_in_copy(dir: &std::path::Path, n: usize) -> i64 {
        let copy = dir.join(format!("copy{n}.db"));
        std::fs::copy(dir.join("w.db"), &copy).unwrap();
        std::fs::copy(dir.join("w.db-wal"), dir.join(format!("copy{n}.db-wal"))).unwrap();
        let mut c = SqliteConnection::connect(&format!("sqlite://{}", copy.display())).await.unwrap();
        check(&mut c).await;
        count(&mut c, "t").await
    }

    /// Commits small and large through the VFS; a reader on the operating
    /// system's own VFS sees each commit at once (and reads every page of
    /// it: the integrity check), the files hold every commit (as after a
    /// crash), and far fewer writes were made than asked for.
    #[tokio::test]
    async fn commits_are_in_the_file_and_visible_at_once() {
        let _serial = SERIAL.lock().await;
        let dir = dir("commits");
        let (mut writer, mut reader) = writer_and_plain(&dir, writer(&dir, None)).await;
        let (asked_before, made_before) = wal_writes();
        let mut expected = 0;
        for (round, rows) in [1, 40, 3000, 7, 12000, 2].into_iter().enumerate() {
            insert(&mut writer, "t", rows).await;
            expected += rows;
            assert_eq!(count(&mut reader, "t").await, expected, "round {round}");
            check(&mut reader).await;
            assert_eq!(count_in_copy(&dir, round).await, expected, "round {round}");
        }
        let (asked, made) = wal_writes();
        let (asked, made) = (asked - asked_before, made - made_before);
        assert!(asked > 1000 && made * 10 < asked, "{made} writes made for {asked} asked");
        writer.close().await.unwrap();
        reader.close().await.unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A transaction that spilled pages to the WAL (gathered, never
    /// committed) and was rolled back leaves nothing behind: another
    /// connection then commits frames at the same offsets of the WAL, and
    /// the writer's next commits neither read its old frames nor write
    /// them over the other's.
    #[tokio::test]
    async fn a_rolled_back_spill_is_dropped_before_another_writer_commits() {
        let _serial = SERIAL.lock().await;
        let dir = dir("rollback");
        let (mut writer, mut other) = writer_and_plain(&dir, writer(&dir, Some(20))).await;
        insert(&mut writer, "t", 50).await;
        for round in 0..3 {
            let (asked_before, _) = wal_writes();
            let mut tx = writer.begin().await.unwrap();
            insert(&mut tx, "t", 400).await;
            let (asked, _) = wal_writes();
            assert!(asked - asked_before > 50, "the transaction spilled to the WAL");
            tx.rollback().await.unwrap();
            // The other writer commits 20 rows into `u` at the offsets the
            // spilled frames had.
            insert(&mut other, "u", 20).await;
            insert(&mut writer, "t", 5).await;
            check(&mut writer).await;
            check(&mut other).await;
            assert_eq!(count(&mut writer, "u").await, 20 * (round + 1));
            assert_eq!(count(&mut other, "t").await, 50 + 5 * (round + 1));
        }
        writer.close().await.unwrap();
        let mut after = plain(&dir).await;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut after).await.unwrap();
        check(&mut after).await;
        assert_eq!((count(&mut after, "t").await, count(&mut after, "u").await), (65, 60));
        after.close().await.unwrap();
        other.close().await.unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A write of gathered frames that fails (a full disk, an I/O error)
    /// fails the commit that needed it, and loses nothing that was
    /// committed before: the failure is reported to SQLite, which rolls
    /// the transaction back; what the failed write left gathered is dropped
    /// with it, and the next commits are written and read as usual — also
    /// when the failure comes in the middle of a commit written in several
    /// calls. The database and its WAL, copied as a crash would leave
    /// them, hold exactly the committed rows.
    #[tokio::test]
    async fn a_failed_write_fails_its_commit_and_loses_nothing_committed() {
        let _serial = SERIAL.lock().await;
        let dir = dir("fault");
        assert!(dir.to_string_lossy().contains(INJECTED_MARK), "the failures reach this test's WAL only");
        let (mut writer, mut reader) = writer_and_plain(&dir, writer(&dir, None)).await;
        insert(&mut writer, "t", 100).await;
        let mut expected = 100;
        // (writes let through first, rows of the failing commit): the first
        // write of a small commit; the third of a commit of about 2 MB
        // (written in pieces of MAX_CALL bytes).
        for (round, (pass, rows)) in [(0, 40), (2, 3000), (0, 1)].into_iter().enumerate() {
            fail_writes(pass, 1);
            let failed = try_insert(&mut writer, "t", rows).await;
            let error = failed.expect_err("the commit whose write failed is refused").to_string();
            assert!(error.contains("I/O error"), "round {round}: {error}");
            assert_eq!(*INJECTED.lock().unwrap(), (0, 0), "round {round}: the failure was reached");
            assert_eq!(count(&mut writer, "t").await, expected, "round {round}: the writer rolled back");
            assert_eq!(count(&mut reader, "t").await, expected, "round {round}");
            insert(&mut writer, "t", 7).await;
            expected += 7;
            check(&mut writer).await;
            assert_eq!(count(&mut reader, "t").await, expected, "round {round}");
            check(&mut reader).await;
            assert_eq!(count_in_copy(&dir, round).await, expected, "round {round}");
        }
        writer.close().await.unwrap();
        reader.close().await.unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Transactions larger than the buffer with a cache that spills: pages
    /// written again before the buffer's start go straight to the file,
    /// reads that straddle it write it first; all of it readable and
    /// intact. Also with `synchronous = NORMAL`, where a commit is not
    /// synced: its frames are written before they are published.
    #[tokio::test]
    async fn larger_than_the_buffer_and_with_normal_sync() {
        let _serial = SERIAL.lock().await;
        for synchronous in [SqliteSynchronous::Full, SqliteSynchronous::Normal] {
            let dir = dir(&format!("large-{synchronous:?}"));
            let (mut writer, mut reader) =
                writer_and_plain(&dir, writer(&dir, Some(200)).synchronous(synchronous)).await;
            let mut expected = 0;
            for rows in [30_000, 3, 500, 1] {
                insert(&mut writer, "t", rows).await;
                expected += rows;
                assert_eq!(count(&mut reader, "t").await, expected, "{synchronous:?}");
                check(&mut reader).await;
            }
            if matches!(synchronous, SqliteSynchronous::Full) {
                assert_eq!(count_in_copy(&dir, 0).await, expected);
            }
            writer.close().await.unwrap();
            reader.close().await.unwrap();
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }
}
