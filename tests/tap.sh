# TAP for the shell tests. `ok STATUS DESCRIPTION` counts one case; when it failed, the
# script's own `tap_diagnose` (if it defines one) prints what helps. `finish` prints the plan
# and returns the status: the script's last command.
n=0
failed=0

# The programs a test starts talk to the simulated module through umockdev's preload library,
# which yields after every emulated ioctl with usleep(0): a sleep as long as the thread's timer
# slack, 50 us by default, a cost no real usbfs has (several per USB transfer). 1 us here,
# inherited by every program this shell starts.
echo 1000 >"/proc/$$/timerslack_ns" 2>/dev/null || :

ok() {
        n=$((n + 1))
        if [ "$1" -eq 0 ]; then
                echo "ok $n - $2"
        else
                failed=$((failed + 1))
                echo "not ok $n - $2"
                if declare -F tap_diagnose >/dev/null; then
                        tap_diagnose
                fi
        fi
}

finish() {
        echo "1..$n"
        [ "$failed" -eq 0 ]
}
