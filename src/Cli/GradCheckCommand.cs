using System.Globalization;
using Simd.Network;

namespace Simd.Cli;

/// <summary><c>simd gradcheck</c>: analytic versus finite-difference gradients on small models of each kind.</summary>
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
            foreach (GradientCheckResult r in GradientCheck.Run(c.Model, c.Loss, c.X, c.Labels, c.Targets, c.Batch, c.L2))
            {
                bool pass = r.WorstRelativeError <= tolerance;
                ok &= pass;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {r.Parameter,-18} {r.Checked,4} elements  worst relative error {r.WorstRelativeError:E2}  worst absolute {r.WorstAbsoluteError:E2}  {(pass ? "ok" : "FAIL")}"));
            }
        }
        Console.WriteLine(ok ? $"all gradients agree within {tolerance.ToString(CultureInfo.InvariantCulture)}" : "some gradients disagree");
        return ok ? 0 : 1;
    }
}
