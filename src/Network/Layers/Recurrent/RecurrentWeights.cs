namespace Simd.Network;

/// <summary>Weight layouts the recurrent layers' backward passes share.</summary>
internal static class RecurrentWeights
{
    private const int Tile = 16;

    /// <summary>
    /// destination[j·rows + i] = source[i·cols + j] for a dense (rows × cols) source: the (cols × rows)
    /// transpose. The per-step product δ·Wᵀ then reads Wᵀ as stored, which the GEMM packs as a plain
    /// row-order copy instead of transposing W again at every step (perf-results/rnn-steps.md).
    /// Tiles of 16 × 16 keep both the reads and the writes within a few cache lines.
    /// </summary>
    public static void Transpose(ReadOnlySpan<float> source, int rows, int cols, Span<float> destination)
    {
        source = source[..(rows * cols)];
        destination = destination[..(rows * cols)];
        for (int i0 = 0; i0 < rows; i0 += Tile)
        {
            int i1 = Math.Min(rows, i0 + Tile);
            for (int j0 = 0; j0 < cols; j0 += Tile)
            {
                int j1 = Math.Min(cols, j0 + Tile);
                for (int i = i0; i < i1; i++)
                {
                    ReadOnlySpan<float> row = source.Slice(i * cols, cols);
                    for (int j = j0; j < j1; j++)
                        destination[j * rows + i] = row[j];
                }
            }
        }
    }
}
