using System.Buffers.Binary;
using System.IO.Compression;

namespace Simd.Network;

/// <summary>
/// Reads files that may be gzip-compressed, and refuses truncated or corrupted ones with a message that
/// names the file. <see cref="GZipStream"/> alone does not: when the input ends between deflate blocks it
/// reports a clean end of data, so a cut file reads as a shorter one.
/// </summary>
internal static class GzipFile
{
    /// <summary>True when <paramref name="bytes"/> starts with the gzip magic 1F 8B.</summary>
    public static bool IsGzip(ReadOnlySpan<byte> bytes) => bytes.Length >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B;

    /// <summary>
    /// The contents of <paramref name="path"/>: decompressed when it is gzip (detected by its magic bytes,
    /// or always when <paramref name="forceGzip"/>), as is otherwise.
    /// </summary>
    /// <remarks>
    /// A gzip file ends with a trailer holding the CRC-32 and the length (mod 2³²) of the last member's
    /// data. The last member's data is the last ISIZE bytes of the output, so the check holds for
    /// concatenated members too; a cut file's last 8 bytes are compressed data, which pass it with
    /// probability about 2⁻³².
    /// </remarks>
    /// <exception cref="InvalidDataException">The gzip data is corrupted or truncated; the message names the file.</exception>
    public static byte[] ReadAll(string path, bool forceGzip = false)
    {
        byte[] file = File.ReadAllBytes(path);
        if (!forceGzip && !IsGzip(file)) return file;
        if (file.Length < 18)
            throw new InvalidDataException($"{path}: truncated gzip file ({file.Length} bytes; a gzip file has at least 18)");
        using var output = new MemoryStream();
        try
        {
            using var gzip = new GZipStream(new MemoryStream(file, writable: false), CompressionMode.Decompress);
            gzip.CopyTo(output);
        }
        catch (InvalidDataException error)
        {
            throw new InvalidDataException($"{path}: corrupted gzip data ({error.Message})", error);
        }
        ReadOnlySpan<byte> data = output.GetBuffer().AsSpan(0, (int)output.Length);
        uint storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(file.Length - 8));
        uint storedLength = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(file.Length - 4));
        if (storedLength > data.Length || Crc32.Append(0, data[^(int)storedLength..]) != storedCrc)
            throw new InvalidDataException($"{path}: truncated or corrupted gzip file (its trailer does not match the {data.Length:N0} bytes it decompresses to)");
        return output.ToArray();
    }
}
