using System.Runtime.InteropServices;

namespace Simd.Kernels.Tests;

/// <summary>
/// Element-wise results must not depend on where the operands sit: every operand is placed at every
/// float offset from a 64-byte boundary (so every split of the vectors across cache lines, at every
/// width, is reached) and must give the same bits as the call on ordinary arrays, in place and out of
/// place, with nothing written outside the destination.
/// </summary>
public class MapTests
{
    private const int Offsets = 16;
    private const float Sentinel = -12345.5f;

    private static IEnumerable<int> Lengths()
    {
        for (int n = 1; n <= 70; n++) yield return n;
        yield return 255;
        yield return 1000;
    }

    /// <summary>A pinned block; Span(offset, n) starts offset floats past a 64-byte boundary.</summary>
    private sealed class AlignedBlock : IDisposable
    {
        private readonly float[] _memory;
        private readonly GCHandle _pin;
        private readonly int _start, _capacity;

        public AlignedBlock(int capacity)
        {
            _capacity = capacity;
            _memory = new float[capacity + 16];
            _pin = GCHandle.Alloc(_memory, GCHandleType.Pinned);
            _start = (int)((64 - _pin.AddrOfPinnedObject() % 64) % 64 / sizeof(float));
        }

        public Span<float> All => _memory.AsSpan(_start, _capacity);

        /// <summary>Fills the block with the sentinel and copies values to offset.</summary>
        public Span<float> Place(ReadOnlySpan<float> values, int offset)
        {
            All.Fill(Sentinel);
            Span<float> span = All.Slice(offset, values.Length);
            values.CopyTo(span);
            return span;
        }

        public void AssertOutsideUntouched(int offset, int length, string what)
        {
            Span<float> all = All;
            for (int i = 0; i < all.Length; i++)
                if ((i < offset || i >= offset + length) && all[i] != Sentinel)
                    Assert.Fail($"{what}: element {i} outside [{offset}, {offset + length}) was written");
        }

        public void Dispose() => _pin.Free();
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void ElementWiseResultsDoNotDependOnAlignment(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        using AlignedBlock bx = new(1000 + 2 * Offsets), by = new(1000 + 2 * Offsets), bz = new(1000 + 2 * Offsets);
        foreach (int n in Lengths())
        {
            float[] x = TestSupport.Uniform(n, n), y = TestSupport.Uniform(n, n + 1), z = TestSupport.Uniform(n, n + 2, 0f, 1f);
            float[] scaled = new float[n], axpy = (float[])y.Clone(), inPlace = (float[])x.Clone();
            Blas1.Scale(-0.75f, x, scaled);
            Blas1.Scale(-0.75f, inPlace);
            Blas1.Axpy(0.5f, x, axpy);
            float[] momentumW = (float[])x.Clone(), momentumV = (float[])y.Clone();
            OptimizerUpdates.SgdMomentum(z, momentumW, momentumV, 0.01f, 0.9f);
            float[] adamW = (float[])x.Clone(), adamM = (float[])y.Clone(), adamV = (float[])z.Clone();
            OptimizerUpdates.Adam(y, adamW, adamM, adamV, 3, 0.01f);

            for (int offset = 0; offset < Offsets; offset++)
            {
                int other = (offset + 5) % Offsets, third = (offset + 11) % Offsets;
                string at = $"n={n} offset={offset}";

                Span<float> destination = by.Place(new float[n], offset);
                Blas1.Scale(-0.75f, bx.Place(x, other), destination);
                BlasTestSupport.AssertSameBits(scaled, destination, $"Scale {at}");
                by.AssertOutsideUntouched(offset, n, $"Scale {at}");

                Span<float> self = bx.Place(x, offset);
                Blas1.Scale(-0.75f, self);
                BlasTestSupport.AssertSameBits(inPlace, self, $"Scale in place {at}");
                bx.AssertOutsideUntouched(offset, n, $"Scale in place {at}");

                Span<float> target = by.Place(y, offset);
                Blas1.Axpy(0.5f, bx.Place(x, other), target);
                BlasTestSupport.AssertSameBits(axpy, target, $"Axpy {at}");
                by.AssertOutsideUntouched(offset, n, $"Axpy {at}");

                Span<float> w = bx.Place(x, offset), v = by.Place(y, other);
                OptimizerUpdates.SgdMomentum(bz.Place(z, third), w, v, 0.01f, 0.9f);
                BlasTestSupport.AssertSameBits(momentumW, w, $"SgdMomentum weights {at}");
                BlasTestSupport.AssertSameBits(momentumV, v, $"SgdMomentum velocity {at}");
                bx.AssertOutsideUntouched(offset, n, $"SgdMomentum weights {at}");
                by.AssertOutsideUntouched(other, n, $"SgdMomentum velocity {at}");

                Span<float> aw = bx.Place(x, offset), am = by.Place(y, other), av = bz.Place(z, third);
                OptimizerUpdates.Adam(y, aw, am, av, 3, 0.01f);
                BlasTestSupport.AssertSameBits(adamW, aw, $"Adam weights {at}");
                BlasTestSupport.AssertSameBits(adamM, am, $"Adam first moment {at}");
                BlasTestSupport.AssertSameBits(adamV, av, $"Adam second moment {at}");
                bx.AssertOutsideUntouched(offset, n, $"Adam weights {at}");
            }
        }
    }
}
