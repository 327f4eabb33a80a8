# apt.sh is sourced by the scripts in .ci/deps (it is not one of them: .ci/test.sh runs only
# .ci/deps/*.sh). It defines apt_install.

# apt_install PACKAGE... installs the given Debian packages quietly, through sudo unless
# root; with no packages it does nothing, so a script passes it only what is missing.
apt_install() {
	[ "$#" -gt 0 ] || return 0
	if [ "$(id -u)" -ne 0 ]; then
		SUDO=sudo
	else
		SUDO=
	fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
