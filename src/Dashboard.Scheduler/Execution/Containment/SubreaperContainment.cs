using System.Diagnostics;
using System.Runtime.InteropServices;
using Dashboard.Core.Transitions;

namespace Dashboard.Scheduler.Execution.Containment;

/// <summary>
/// Where no cgroup can be made: each try runs under a reaper of its own, a small Perl program (Perl
/// is part of every Debian system) that makes itself a child subreaper with
/// <c>prctl(PR_SET_CHILD_SUBREAPER)</c> and runs the command in a process group of its own. A
/// process the try orphans, a double-forked <c>setsid</c> daemon included, is re-parented to the
/// reaper instead of to init, so every process of the try stays below it. When the command exits,
/// or the executor's pipe on the reaper's stdin closes (the try is ended, or the app died), the
/// reaper kills everything below it and exits only once none is left.
/// </summary>
internal sealed class SubreaperContainment : TaskContainment
{
    // @ARGV: the prctl syscall's number, the command, then NAME=VALUE for the PERL* variables of the
    // task's environment: they are kept from Perl itself (PERL5OPT=-d would start its debugger) and
    // handed to the command. The command's exit status becomes the reaper's, as bash reports one.
    private const string Reaper = """
        use strict;

        my ($prctl, $command, @perl_environment) = @ARGV;

        # PR_SET_CHILD_SUBREAPER (36), then PR_GET_CHILD_SUBREAPER (37) to be sure it took.
        my $flag = pack('i', 0);
        if (syscall(0 + $prctl, 36, 1, 0, 0, 0) != 0 || syscall(0 + $prctl, 37, $flag, 0, 0, 0) != 0 || unpack('i', $flag) != 1) {
            print STDERR "The try's reaper could not become a child subreaper: $!\n";
            exit 125;
        }

        # Only the executor ends the reaper, by closing its stdin. A child's end wakes the select below.
        $SIG{$_} = 'IGNORE' for qw(HUP INT QUIT TERM PIPE);
        pipe(my $wake, my $waker) or die "pipe: $!";
        $SIG{CHLD} = sub { syswrite($waker, 'x') };

        my $main = fork() // die "fork: $!";
        if ($main == 0) {
            $SIG{$_} = 'DEFAULT' for qw(HUP INT QUIT TERM PIPE CHLD);
            setpgrp(0, 0); # so that the command's "kill 0" cannot reach the reaper
            for (@perl_environment) { $ENV{$1} = $2 if /^([^=]+)=(.*)$/s }
            open(STDIN, '<', '/dev/null');
            exec('bash', '-c', $command) or exit 127;
        }

        my ($status, $ending, $input) = (undef, 0, 1);
        while (1) {
            my $pid;
            while (($pid = waitpid(-1, 1)) > 0) { # 1: WNOHANG
                $status = $? if $pid == $main;
            }
            last if $pid < 0; # no process of the try is left
            $ending ||= defined $status;
            kill_descendants() if $ending;

            my $in = '';
            vec($in, fileno($wake), 1) = 1;
            vec($in, fileno(STDIN), 1) = 1 if $input;
            # While ending, look again every 100 ms as well: a process forked just before its parent was killed.
            next if select(my $ready = $in, undef, undef, $ending ? 0.1 : undef) <= 0;
            sysread($wake, my $ignored, 512) if vec($ready, fileno($wake), 1);
            if ($input && vec($ready, fileno(STDIN), 1) && !sysread(STDIN, my $read, 512)) {
                ($input, $ending) = (0, 1);
            }
        }

        exit(!defined $status ? 137 : ($status & 127) ? 128 + ($status & 127) : $status >> 8);

        # SIGKILL to every process below this one, found through the parent pids in /proc.
        sub kill_descendants {
            my %children;
            opendir(my $proc, '/proc') or return;
            for my $pid (grep { /^\d+$/ } readdir($proc)) {
                open(my $stat, '<', "/proc/$pid/stat") or next;
                my $line = <$stat> // next;
                my (undef, $parent) = split(/ /, substr($line, rindex($line, ')') + 2));
                push(@{ $children{$parent} }, $pid);
            }
            my @pending = @{ $children{$$} // [] };
            while (my $pid = shift(@pending)) {
                kill('KILL', $pid);
                push(@pending, @{ $children{$pid} // [] });
            }
        }
        """;

    private readonly string _perl;
    private readonly int _prctl;

    private SubreaperContainment(string perl, int prctl)
    {
        _perl = perl;
        _prctl = prctl;
    }

    /// <returns>The containment, or null with the reason why this machine offers none.</returns>
    public static SubreaperContainment? TryCreate(out string unavailable)
    {
        unavailable = "";
        if (!OperatingSystem.IsLinux())
        {
            unavailable = "a child subreaper needs Linux";
            return null;
        }

        if (PrctlSyscall(RuntimeInformation.ProcessArchitecture) is not { } prctl)
        {
            unavailable = $"the prctl system call's number on {RuntimeInformation.ProcessArchitecture} is not known here";
            return null;
        }

        if (FindOnPath("perl") is not { } perl)
        {
            unavailable = "perl, which runs the reaper, is not on the PATH";
            return null;
        }

        var containment = new SubreaperContainment(perl, prctl);
        using var probe = Process.Start(containment.StartInfo("exit 0", new Dictionary<string, string>(), redirect: true))!;
        var error = probe.StandardError.ReadToEnd();
        probe.WaitForExit();
        if (probe.ExitCode != 0)
        {
            unavailable = $"the reaper did not run ({probe.ExitCode}: {error.Trim()})";
            return null;
        }

        return containment;
    }

    public override TryContainer Open(ClaimedTry attempt) => new ReapedTry(this);

    /// <summary>
    /// The number of prctl(2) by architecture (arch/*/syscall*.tbl, include/uapi/asm-generic/unistd.h);
    /// the reaper checks that the call took.
    /// </summary>
    internal static int? PrctlSyscall(Architecture architecture) => architecture switch
    {
        Architecture.X64 => 157,
        Architecture.Arm64 or Architecture.RiscV64 or Architecture.LoongArch64 => 167,
        Architecture.X86 or Architecture.Arm or Architecture.S390x => 172,
        Architecture.Ppc64le => 171,
        _ => null,
    };

    private ProcessStartInfo StartInfo(string command, IReadOnlyDictionary<string, string> environment, bool redirect = false)
    {
        // setsid: the reaper leaves the app's session, so a terminal's signals do not reach the try.
        var info = new ProcessStartInfo("setsid") { RedirectStandardInput = redirect, RedirectStandardError = redirect, UseShellExecute = false };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var perlEnvironment = info.Environment.Keys.Where(name => name.StartsWith("PERL", StringComparison.Ordinal)).ToList();
        foreach (var argument in new[] { _perl, "-e", Reaper, "--", _prctl.ToString(System.Globalization.CultureInfo.InvariantCulture), command })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var name in perlEnvironment)
        {
            info.ArgumentList.Add($"{name}={info.Environment[name]}");
            info.Environment.Remove(name);
        }

        return info;
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    /// <summary>One try under its reaper: the reaper kills the try's processes itself, when the command exits or its stdin closes.</summary>
    private sealed class ReapedTry(SubreaperContainment containment) : TryContainer
    {
        public override ProcessStartInfo StartInfo(string command, IReadOnlyDictionary<string, string> environment) =>
            containment.StartInfo(command, environment);
    }
}
