using System.Globalization;
using Simd.Network;

namespace Simd.Cli;

/// <summary><c>simd gradcheck</c>: analytic versus finite-difference gradients on small models of each kind, feed-forward and recurrent.</summary>
internal static class GradCheckCommand
{
    public static int Run(Options options)
    {
        double tolerance = options.Double("tolerance", 1e-2);
        ulong seed = (ulong)options.Int("seed", 1);
        options.RejectUnknown();
        bool ok = true;
        foreach (GradientCheckCase c in GradientCheckSuite.Cases(seed))
        {
            Console.WriteLine($"{c.Name}:");
            foreach (GradientCheckResult r in c.Run())
                ok &= Report(r, tolerance);
        }
        foreach (SequenceGradientCheckCase c in GradientCheckSuite.SequenceCases(seed))
        {
            Console.WriteLine($"{c.Name} ({c.Steps} steps, batch {c.Batch}):");
            foreach (GradientCheckResult r in GradientCheck.Run(c.Model, c.Reduction, c.Inputs, c.Targets, c.Steps, c.Batch, c.InitialStates))
                ok &= Report(r, tolerance);
        }
        Console.WriteLine(ok ? $"all gradients agree within {tolerance.ToString(CultureInfo.InvariantCulture)}" : "some gradients disagree");
        return ok ? 0 : 1;
    }

    private static bool Report(GradientCheckResult r, double tolerance)
    {
        bool pass = r.WorstRelativeError <= tolerance;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {r.Parameter,-22} {r.Checked,4} elements  worst relative error {r.WorstRelativeError:E2}  worst absolute {r.WorstAbsoluteError:E2}  {(pass ? "ok" : "FAIL")}"));
        return pass;
    }
}
