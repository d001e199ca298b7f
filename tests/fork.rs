//! A fork() child must be able to use the pool: it inherits the parent's pool handle but none of
//! its threads (Python's multiprocessing forks by default on Linux). Alone in its own test binary,
//! so that no other test thread is running when the process forks.

use sector_weights::SwStatus::SW_OK;

fn large_call() -> (i32, Vec<f64>) {
    let n: usize = 200_000; // well above the inline threshold: runs on the pool
    let w: Vec<f64> = (0..n).map(|i| (i % 7) as f64).collect();
    let c: Vec<i32> = (0..n).map(|i| (i % 3) as i32).collect();
    let mut out = vec![0.0; 3];
    // SAFETY: every pointer is valid for the length passed with it.
    let st = unsafe {
        sector_weights::ffi::calculate_sector_weights(
            w.as_ptr(),
            1,
            c.as_ptr(),
            n as u64,
            out.as_mut_ptr(),
            3,
        )
    };
    (st as i32, out)
}

#[test]
fn a_forked_child_can_use_the_pool() {
    let (st, parent) = large_call();
    assert_eq!(st, SW_OK as i32);
    // SAFETY: fork() in a process whose only other threads are the library's idle pool workers;
    // the child only computes and then leaves with _exit.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        // SAFETY: alarm() only arms a signal: if the call hangs, SIGALRM kills the child.
        unsafe { libc::alarm(20) };
        let (st, child) = large_call();
        let ok = st == SW_OK as i32 && child == parent;
        // SAFETY: _exit ends the child at once, without running the parent's atexit handlers.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let mut status = 0;
    // SAFETY: waits for the child created above; status is a valid out-pointer.
    let waited = unsafe { libc::waitpid(pid, &mut status, 0) };
    assert_eq!(waited, pid);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the forked child's call failed or hung (wait status {status:#x})"
    );
    // The parent's pool still works.
    assert_eq!(large_call().0, SW_OK as i32);
}
