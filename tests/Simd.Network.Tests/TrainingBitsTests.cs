using System.Globalization;
using System.Runtime.Intrinsics;
using Simd.Kernels;

namespace Simd.Network.Tests;

/// <summary>
/// The exact bits of an MLP's parameters after a few training steps (Adam and SGD, L2 and clipping on),
/// at every level and on 1 and 2 threads, against hashes recorded from the code: restructuring the
/// kernels must not change a bit of training. The element-wise kernels use MultiplyAddEstimate, fused
/// where the hardware has FMA, so each level has one hash for a fusing and one for a separate
/// multiply-add.
/// </summary>
/// <remarks>
/// To record new hashes after a deliberate change of bits, run this class with
/// SIMD_RECORD_TRAINING_BITS set to a file: each hash is appended there instead of being compared.
/// </remarks>
[Collection(nameof(IsolatedCollection))]
public class TrainingBitsTests
{
    private const int Inputs = 256, Hidden = 256, Classes = 10, Batch = 32, Steps = 4;

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (SimdLevel level in SimdLevels.All)
            foreach (string optimizer in new[] { "adam", "sgd" })
                data.Add(level.ToString(), optimizer);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TrainingStepsGiveTheRecordedBits(string levelName, string optimizer)
    {
        SimdLevel level = Enum.Parse<SimdLevel>(levelName);
        string key = $"{optimizer} {level} {(EstimateFuses() ? "fused" : "separate")}";
        int saved = Gemm.MaxDegreeOfParallelism;
        try
        {
            Gemm.MaxDegreeOfParallelism = 1;
            ulong serial = Train(level, optimizer);
            Gemm.MaxDegreeOfParallelism = 2;
            ulong threaded = Train(level, optimizer);
            Assert.True(serial == threaded, $"{key}: 2 threads give 0x{threaded:X16}, 1 thread 0x{serial:X16}");
            string? record = Environment.GetEnvironmentVariable("SIMD_RECORD_TRAINING_BITS");
            if (record is not null)
            {
                File.AppendAllText(record, string.Create(CultureInfo.InvariantCulture, $"        [\"{key}\"] = 0x{serial:X16},\n"));
                return;
            }
            Assert.True(Expected.TryGetValue(key, out ulong expected), $"no recorded hash for {key}");
            Assert.True(serial == expected, $"{key}: the parameters hash to 0x{serial:X16}, recorded 0x{expected:X16}");
        }
        finally
        {
            Gemm.MaxDegreeOfParallelism = saved;
        }
    }

    /// <summary>Whether MultiplyAddEstimate rounds once: (1 + 2⁻¹²)² − (1 + 2⁻¹¹) is 2⁻²⁴ fused, 0 separate.</summary>
    private static bool EstimateFuses()
    {
        float a = 1f + MathF.ScaleB(1f, -12), c = -(1f + MathF.ScaleB(1f, -11));
        return Vector128.MultiplyAddEstimate(Vector128.Create(a), Vector128.Create(a), Vector128.Create(c)).ToScalar() != 0f;
    }

    /// <summary>FNV-1a over the parameters' bits after <see cref="Steps"/> steps on fixed pseudo-random batches.</summary>
    private static ulong Train(SimdLevel level, string optimizerName)
    {
        using var scope = SimdLevels.Force(level);
        Model model = new ModelBuilder(Inputs)
            .Add(new Dense(Inputs, Hidden, Activation.Relu))
            .Add(new Dense(Hidden, Hidden, Activation.Tanh))
            .Add(new Dense(Hidden, Classes))
            .Build(seed: 7);
        Optimizer optimizer = optimizerName == "adam" ? new Adam(1e-3f) : new Sgd(0.05f);
        var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), optimizer, Batch, l2: 1e-4f, clipNorm: 1f);
        var x = new float[Batch * Inputs];
        var labels = new int[Batch];
        uint state = 12345;
        for (int step = 0; step < Steps; step++)
        {
            for (int i = 0; i < x.Length; i++) x[i] = (Next(ref state) >> 8) * (2f / (1 << 24)) - 1f;
            for (int i = 0; i < labels.Length; i++) labels[i] = (int)(Next(ref state) % Classes);
            trainer.Step(x, labels, Batch);
        }
        ulong hash = 14695981039346656037UL;
        foreach (float value in model.Parameters.Values)
        {
            hash ^= (uint)BitConverter.SingleToInt32Bits(value);
            hash *= 1099511628211UL;
        }
        return hash;
    }

    private static uint Next(ref uint state)
    {
        state = state * 1664525u + 1013904223u;
        return state;
    }

    private static readonly Dictionary<string, ulong> Expected = new()
    {
        ["adam Scalar fused"] = 0x9762E6C22413B79D,
        ["adam Scalar separate"] = 0x5E2EB2F865B8C22E,
        ["adam Vector128 fused"] = 0xEB69B8645B75D0C5,
        ["adam Vector128 separate"] = 0xACB427D88C784644,
        ["adam Vector256 fused"] = 0x9477571D93C0602D,
        ["adam Vector256 separate"] = 0xB93DECB7321B6029,
        ["adam Vector512 fused"] = 0x54247F4EA5314237,
        ["adam Vector512 separate"] = 0x1680EF2F2914DB12,
        ["sgd Scalar fused"] = 0xCA7CDC3FFE854070,
        ["sgd Scalar separate"] = 0x95FDDE300543E729,
        ["sgd Vector128 fused"] = 0x4F378FB98F94A2CB,
        ["sgd Vector128 separate"] = 0xB1A0BDDE69037AAD,
        ["sgd Vector256 fused"] = 0x26200BC3575D74B6,
        ["sgd Vector256 separate"] = 0x4965663C8741D773,
        ["sgd Vector512 fused"] = 0xBE463EA0562E023E,
        ["sgd Vector512 separate"] = 0x3DB1160C84DF7320,
    };
}
