using MLNetMixture.Training.Data;

namespace MLNetMixture.Training.Tests.Streaming;

/// <summary>A row source that counts its passes and the largest block it handed out.</summary>
internal sealed class CountingRowSource(IFeatureRowSource inner) : IFeatureRowSource
{
    public int Passes { get; private set; }

    public int LargestBlock { get; private set; }

    public string Source => inner.Source;

    public IReadOnlyList<string> FeatureNames => inner.FeatureNames;

    public bool HasLabels => inner.HasLabels;

    public IEnumerable<FeatureTable> ReadBlocks()
    {
        Passes++;
        foreach (var block in inner.ReadBlocks())
        {
            LargestBlock = Math.Max(LargestBlock, block.Rows);
            yield return block;
        }
    }
}
