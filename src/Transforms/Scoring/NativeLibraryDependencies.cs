using System.Buffers.Binary;
using System.Text;

namespace MLNetMixture.Transforms.Scoring;

/// <summary>
/// Reads which shared libraries a native library asks the loader for, without loading it: the DT_NEEDED entries of
/// an ELF64 file (Linux) or the imported and delay-imported DLLs of a PE file (Windows). Loading ONNX Runtime's
/// CUDA provider to see what fails is not safe: its static initialisers call into ONNX Runtime's provider host,
/// which exists only once ONNX Runtime itself loads the provider.
/// </summary>
internal static class NativeLibraryDependencies
{
    private const uint PtLoad = 1;
    private const uint PtDynamic = 2;
    private const long DtNeeded = 1;
    private const long DtStrtab = 5;

    /// <summary>The library names <paramref name="path"/> depends on, in the file's order.</summary>
    /// <exception cref="InvalidDataException">The file is neither a little-endian ELF64 file nor a PE file, or is cut short.</exception>
    public static IReadOnlyList<string> Read(string path)
    {
        using var file = File.OpenHandle(path);
        var head = new byte[64];
        int n = RandomAccess.Read(file, head, 0);
        if (n >= 16 && head[0] == 0x7F && head[1] == (byte)'E' && head[2] == (byte)'L' && head[3] == (byte)'F')
        {
            return head[4] == 2 && head[5] == 1
                ? ReadElf(file, path)
                : throw new InvalidDataException($"{path} is an ELF file that is not 64-bit little-endian; its dependencies are not read.");
        }

        if (n >= 64 && head[0] == (byte)'M' && head[1] == (byte)'Z')
        {
            return ReadPe(file, path, BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(0x3C)));
        }

        throw new InvalidDataException($"{path} is neither an ELF nor a PE library.");
    }

    private static List<string> ReadElf(Microsoft.Win32.SafeHandles.SafeFileHandle file, string path)
    {
        var header = Bytes(file, 0, 64, path);
        long phoff = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(0x20));
        int phentsize = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x36));
        int phnum = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x38));
        var segments = Bytes(file, phoff, phentsize * phnum, path);
        var loads = new List<(long Offset, long Address, long Size)>();
        (long Offset, long Size)? dynamic = null;
        for (int i = 0; i < phnum; i++)
        {
            var s = segments.AsSpan(i * phentsize, phentsize);
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(s);
            long offset = BinaryPrimitives.ReadInt64LittleEndian(s[8..]);
            long address = BinaryPrimitives.ReadInt64LittleEndian(s[16..]);
            long size = BinaryPrimitives.ReadInt64LittleEndian(s[32..]);
            if (type == PtLoad)
            {
                loads.Add((offset, address, size));
            }
            else if (type == PtDynamic)
            {
                dynamic = (offset, size);
            }
        }

        if (dynamic is not { } dyn)
        {
            return [];
        }

        var entries = Bytes(file, dyn.Offset, (int)dyn.Size, path);
        var needed = new List<long>();
        long stringTable = -1;
        for (int at = 0; at + 16 <= entries.Length; at += 16)
        {
            long tag = BinaryPrimitives.ReadInt64LittleEndian(entries.AsSpan(at));
            long value = BinaryPrimitives.ReadInt64LittleEndian(entries.AsSpan(at + 8));
            if (tag == 0)
            {
                break;
            }

            if (tag == DtNeeded)
            {
                needed.Add(value);
            }
            else if (tag == DtStrtab)
            {
                stringTable = value;
            }
        }

        if (needed.Count == 0)
        {
            return [];
        }

        var segment = loads.FirstOrDefault(l => stringTable >= l.Address && stringTable < l.Address + l.Size);
        if (stringTable < 0 || segment.Size == 0)
        {
            throw new InvalidDataException($"{path}: the dynamic string table is outside every loadable segment.");
        }

        long tableOffset = stringTable - segment.Address + segment.Offset;
        return needed.Select(o => String(file, tableOffset + o, path)).ToList();
    }

    private static List<string> ReadPe(Microsoft.Win32.SafeHandles.SafeFileHandle file, string path, int peOffset)
    {
        var coff = Bytes(file, peOffset, 24, path);
        if (coff[0] != (byte)'P' || coff[1] != (byte)'E' || coff[2] != 0 || coff[3] != 0)
        {
            throw new InvalidDataException($"{path} has an MZ header but no PE signature.");
        }

        int sections = BinaryPrimitives.ReadUInt16LittleEndian(coff.AsSpan(6));
        int optionalSize = BinaryPrimitives.ReadUInt16LittleEndian(coff.AsSpan(20));
        var optional = Bytes(file, peOffset + 24, optionalSize, path);
        int directories = BinaryPrimitives.ReadUInt16LittleEndian(optional) switch
        {
            0x20B => 112,
            0x10B => 96,
            var magic => throw new InvalidDataException($"{path}: unknown PE optional header magic 0x{magic:X}."),
        };
        var table = Bytes(file, peOffset + 24 + optionalSize, sections * 40, path);
        var map = Enumerable.Range(0, sections).Select(i => table.AsSpan(i * 40, 40).ToArray()).Select(s => (
            Address: (long)BinaryPrimitives.ReadUInt32LittleEndian(s.AsSpan(12)),
            Size: (long)Math.Max(BinaryPrimitives.ReadUInt32LittleEndian(s.AsSpan(8)), BinaryPrimitives.ReadUInt32LittleEndian(s.AsSpan(16))),
            Offset: (long)BinaryPrimitives.ReadUInt32LittleEndian(s.AsSpan(20)))).ToArray();
        long ToOffset(long rva)
        {
            foreach (var (address, size, offset) in map)
            {
                if (rva >= address && rva < address + size)
                {
                    return rva - address + offset;
                }
            }

            throw new InvalidDataException($"{path}: address 0x{rva:X} is in no section.");
        }

        var names = new List<string>();

        // Data directory 1 holds the import descriptors (20 bytes, the name's address at +12); 13 the delay-load
        // descriptors (32 bytes, the name's address at +4).
        foreach (var (index, size, nameAt) in new[] { (1, 20, 12), (13, 32, 4) })
        {
            if (optionalSize < directories + ((index + 1) * 8))
            {
                continue;
            }

            long rva = BinaryPrimitives.ReadUInt32LittleEndian(optional.AsSpan(directories + (index * 8)));
            if (rva == 0)
            {
                continue;
            }

            for (long at = ToOffset(rva); ; at += size)
            {
                var descriptor = Bytes(file, at, size, path);
                long name = BinaryPrimitives.ReadUInt32LittleEndian(descriptor.AsSpan(nameAt));
                if (name == 0)
                {
                    break;
                }

                names.Add(String(file, ToOffset(name), path));
            }
        }

        return names;
    }

    private static byte[] Bytes(Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset, int count, string path)
    {
        var buffer = new byte[count];
        if (offset < 0 || count < 0 || RandomAccess.Read(file, buffer, offset) != count)
        {
            throw new InvalidDataException($"{path} is cut short: {count} bytes at offset {offset} could not be read.");
        }

        return buffer;
    }

    private static string String(Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset, string path)
    {
        var buffer = new byte[256];
        int n = RandomAccess.Read(file, buffer, offset);
        int end = Array.IndexOf(buffer, (byte)0, 0, n);
        return end >= 0 ? Encoding.ASCII.GetString(buffer, 0, end) : throw new InvalidDataException($"{path}: an unterminated library name at offset {offset}.");
    }
}
