using System.Diagnostics;
using System.Globalization;
using Simd.Kernels;

namespace Simd.Gate;

/// <summary>
/// The gate's worker: serves the key cases over standard input and output, one command a line, so
/// that <c>simd-perf ab</c> can alternate between two builds sample by sample.
/// <list type="bullet">
/// <item><c>cases</c> or <c>cases all</c> → <c>cases NAME…</c> (tab-separated; the key cases, or with the extended ones)</item>
/// <item><c>setup NAME</c> → <c>ok HASH</c> (the first result's bits, hex) or <c>error MESSAGE</c></item>
/// <item><c>relocate NAME</c> → <c>ok</c>: moves the case's arrays to fresh memory</item>
/// <item><c>time NAME ITERATIONS</c> → <c>ns TOTAL</c>: wall time of that many back-to-back runs</item>
/// <item><c>quit</c></item>
/// </list>
/// Every case runs on one thread at the level the process detects (or SIMD_LEVEL).
/// </summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static int Main()
    {
        Gemm.MaxDegreeOfParallelism = 1;
        var cases = typeof(GateCase).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(GateCase)) && !t.IsAbstract)
            .Select(t => (GateCase)Activator.CreateInstance(t)!)
            .ToDictionary(c => c.Name, StringComparer.Ordinal);
        TextWriter output = Console.Out;
        while (Console.ReadLine() is string line)
        {
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0) continue;
            try
            {
                switch (words[0])
                {
                    case "cases":
                        bool all = words.Length > 1 && words[1] == "all";
                        var names = cases.Values.Where(c => all || !Attribute.IsDefined(c.GetType(), typeof(ExtendedAttribute))).Select(c => c.Name);
                        output.WriteLine("cases\t" + string.Join('\t', names.Order(StringComparer.Ordinal)));
                        break;
                    case "setup":
                        output.WriteLine("ok " + Find(cases, words).Setup().ToString("x16", CultureInfo.InvariantCulture));
                        break;
                    case "relocate":
                        Find(cases, words).Relocate();
                        output.WriteLine("ok");
                        break;
                    case "time":
                        output.WriteLine("ns " + Time(Find(cases, words), int.Parse(words[2], CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture));
                        break;
                    case "quit":
                        return 0;
                    default:
                        output.WriteLine($"error unknown command '{words[0]}'");
                        break;
                }
            }
            catch (Exception error)
            {
                output.WriteLine("error " + error.Message.ReplaceLineEndings(" "));
            }
            output.Flush();
        }
        return 0;
    }

    private static GateCase Find(Dictionary<string, GateCase> cases, string[] words) =>
        words.Length > 1 && cases.TryGetValue(words[1], out GateCase? found) ? found
            : throw new ArgumentException($"no case '{(words.Length > 1 ? words[1] : "")}'");

    private static long Time(GateCase gateCase, int iterations)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < iterations; i++) gateCase.Run();
        return (long)Stopwatch.GetElapsedTime(start).TotalNanoseconds;
    }
}
