//! Where formatted log lines go: one buffer that request threads append to, written to stderr
//! by one thread in batches.
//!
//! A request pays for appending its line to a buffer under a short lock, not for a `write(2)`
//! or for waking another thread: the writer thread wakes when the first line arrives after a
//! quiet spell, lets lines gather for [`GATHER`], then writes them all at once — under load one
//! wake-up and one write serve every line of that millisecond, where a channel read line by
//! line (tracing-appender's) can wake its thread and write once per line.
//!
//! No line is ever dropped. Memory is bounded: a thread that finds [`MAX_PENDING`] bytes
//! waiting writes them itself before returning (the logging request waits, as it would on a
//! slow terminal). Lines are written in the order they were appended. Lines still waiting when
//! the process is killed with SIGKILL are lost (at most [`GATHER`]'s worth); [`Writer::stop`]
//! writes them on a normal exit.

use std::{
    io::Write,
    sync::{Arc, Condvar, Mutex, MutexGuard},
    thread::JoinHandle,
    time::Duration,
};

/// How long the writer thread lets lines gather once one has arrived: short, so that a line
/// reaches the output within about a millisecond even when traffic is light.
pub const GATHER: Duration = Duration::from_millis(1);

/// Bytes waiting at which the writer thread is woken at once instead of after [`GATHER`].
const SOON: usize = 64 * 1024;

/// Most bytes waiting; the thread that appends past it writes everything waiting itself.
pub const MAX_PENDING: usize = 1024 * 1024;

#[derive(Default)]
struct Pending {
    buf: Vec<u8>,
    /// The writer thread sleeps until woken (nothing was waiting).
    idle: bool,
    /// It was woken since it last took the buffer (so nobody wakes it twice).
    signalled: bool,
    stop: bool,
}

struct Shared {
    pending: Mutex<Pending>,
    wake: Condvar,
    /// Held while a batch is taken and written, so batches reach the output in order.
    out: Mutex<Box<dyn Write + Send>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn append(&self, line: &[u8]) {
        let mut p = lock(&self.pending);
        p.buf.extend_from_slice(line);
        // Past the bound, or with no writer thread left: this thread writes.
        if p.buf.len() >= MAX_PENDING || p.stop {
            drop(p);
            self.write_out(&mut Vec::new());
            return;
        }
        if !p.signalled && (p.idle || p.buf.len() >= SOON) {
            p.signalled = true;
            self.wake.notify_one();
        }
    }

    /// Takes everything waiting (swapping in `spare`'s allocation) and writes it.
    fn write_out(&self, spare: &mut Vec<u8>) {
        let mut out = lock(&self.out);
        {
            let mut p = lock(&self.pending);
            std::mem::swap(&mut p.buf, spare);
            p.signalled = false;
        }
        if !spare.is_empty() {
            // Nowhere to report a failing stderr; the lines are dropped, the server goes on.
            let _ = out.write_all(spare).and_then(|()| out.flush());
        }
        spare.clear();
        if spare.capacity() > MAX_PENDING {
            spare.shrink_to(SOON);
        }
    }

    fn run(&self) {
        let mut spare = Vec::with_capacity(SOON);
        loop {
            let stop = {
                let mut p = lock(&self.pending);
                while p.buf.is_empty() && !p.stop {
                    p.idle = true;
                    p.signalled = false;
                    p = self.wake.wait(p).unwrap_or_else(|e| e.into_inner());
                }
                p.idle = false;
                if !p.stop {
                    p = self
                        .wake
                        .wait_timeout_while(p, GATHER, |p| p.buf.len() < SOON && !p.stop)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
                p.stop
            };
            self.write_out(&mut spare);
            if stop {
                return;
            }
        }
    }
}

/// The writer: hand it to `tracing_subscriber::fmt().with_writer`; stop it before exiting.
#[derive(Clone)]
pub struct Writer {
    shared: Arc<Shared>,
}

/// One event's writer (`tracing-subscriber` writes each formatted line with one `write_all`).
pub struct Line<'a>(&'a Shared);

impl Write for Line<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.append(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Writer {
    type Writer = Line<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        Line(&self.shared)
    }
}

impl Writer {
    /// Starts the writer thread over `out`.
    pub fn start(out: Box<dyn Write + Send>) -> std::io::Result<(Self, JoinHandle<()>)> {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending::default()),
            wake: Condvar::new(),
            out: Mutex::new(out),
        });
        let thread = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("opending-log".into())
                .spawn(move || shared.run())?
        };
        Ok((Self { shared }, thread))
    }

    /// Writes what is waiting and ends the writer thread; a line logged afterwards is written
    /// at once by the thread that logs it.
    pub fn stop(&self, thread: JoinHandle<()>) {
        {
            let mut p = lock(&self.shared.pending);
            p.stop = true;
            self.shared.wake.notify_one();
        }
        let _ = thread.join();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_arrives_in_order_from_many_threads_and_stop_writes_the_rest() {
        let sink = Sink::default();
        let (writer, thread) = Writer::start(Box::new(sink.clone())).unwrap();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let w = writer.clone();
                std::thread::spawn(move || {
                    for i in 0..20_000 {
                        let line = format!("t{t} line {i:05} {}\n", "x".repeat(i % 200));
                        Line(&w.shared).write_all(line.as_bytes()).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        writer.stop(thread);
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let mut next = [0usize; 4];
        let mut lines = 0;
        for line in text.lines() {
            let mut parts = line.split(' ');
            let t: usize = parts.next().unwrap()[1..].parse().unwrap();
            assert_eq!(parts.next(), Some("line"));
            let i: usize = parts.next().unwrap().parse().unwrap();
            assert_eq!(i, next[t], "thread {t}'s lines out of order or missing");
            next[t] += 1;
            lines += 1;
        }
        assert_eq!(lines, 80_000);
    }

    #[test]
    fn a_lone_line_is_written_without_more_traffic() {
        let sink = Sink::default();
        let (writer, thread) = Writer::start(Box::new(sink.clone())).unwrap();
        Line(&writer.shared).write_all(b"only line\n").unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while sink.0.lock().unwrap().is_empty() {
            assert!(std::time::Instant::now() < deadline, "never written");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(&sink.0.lock().unwrap()[..], b"only line\n");
        writer.stop(thread);
    }

    #[test]
    fn lines_after_stop_are_written_at_once() {
        let sink = Sink::default();
        let (writer, thread) = Writer::start(Box::new(sink.clone())).unwrap();
        writer.stop(thread);
        Line(&writer.shared).write_all(b"late\n").unwrap();
        // No thread is left to write it: the appending thread writes it itself.
        assert_eq!(&sink.0.lock().unwrap()[..], b"late\n");
    }
}
