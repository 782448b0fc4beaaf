//! The server's CPU time per request. The server's pid comes from its Unix
//! socket (SO_PEERCRED), its user plus system time from `/proc/PID/stat`.
//! On a noisy shared machine the CPU a server spends per request moves much
//! less between runs than its throughput does, and it does not depend on
//! how the two cores were shared with the load generator.

use std::io;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

/// The pid of the process listening on `socket`, or `None` when it is this
/// process (the in-process echo server) or the kernel does not say.
pub fn peer_pid(socket: &Path) -> io::Result<Option<u32>> {
    let stream = UnixStream::connect(socket)?;
    let cred = rustix::net::sockopt::socket_peercred(&stream)?;
    let pid = cred.pid.as_raw_nonzero().get().unsigned_abs();
    Ok((pid != std::process::id()).then_some(pid))
}

/// User plus system CPU time that `pid` has used so far, all threads.
pub fn cpu_time(pid: u32) -> io::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let ticks = parse_stat(&stat).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("/proc/{pid}/stat has no utime/stime fields"),
        )
    })?;
    let per_sec = rustix::param::clock_ticks_per_second().max(1);
    Ok(Duration::from_nanos(
        ticks.saturating_mul(1_000_000_000) / per_sec,
    ))
}

/// utime + stime in clock ticks: fields 14 and 15 of `/proc/PID/stat`,
/// counted after the command name, which may itself hold spaces and ')'.
fn parse_stat(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utime_and_stime_are_found_after_an_awkward_command_name() {
        let stat = "4242 (a) b (c)) S 1 4242 4242 0 -1 4194560 1 0 0 0 150 25 0 0 20 0 3 0 1 2 3";
        assert_eq!(parse_stat(stat), Some(175));
        assert_eq!(parse_stat("4242 (x) S 1 2"), None);
    }

    #[test]
    fn this_process_has_used_some_cpu() {
        let pid = std::process::id();
        let spin = (0..2_000_000u64).fold(0u64, |a, b| a.wrapping_add(b * b));
        std::hint::black_box(spin);
        assert!(cpu_time(pid).unwrap() > Duration::ZERO);
    }
}
