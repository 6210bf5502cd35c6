# TAP for the shell tests. `ok STATUS DESCRIPTION` counts one case; when it failed, the
# script's own `tap_diagnose` (if it defines one) prints what helps. `finish` prints the plan
# and returns the status: the script's last command.
n=0
failed=0

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
