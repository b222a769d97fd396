using MLNetMixture.Training.Flows;

namespace MLNetMixture.Training.Tests.Flows;

public sealed class CouplingPartitionTests
{
    [Fact]
    public void Halves_and_alternating_cover_every_feature_once()
    {
        var halves = CouplingPartition.Halves(5);
        Assert.Equal(new[] { 0, 1 }, halves.Conditioning);
        Assert.Equal(new[] { 2, 3, 4 }, halves.Transformed);
        var flipped = CouplingPartition.Halves(5, transformSecondHalf: false);
        Assert.Equal(new[] { 0, 1 }, flipped.Transformed);
        var odd = CouplingPartition.Alternating(5);
        Assert.Equal(new[] { 1, 3 }, odd.Transformed);
        Assert.Equal(new[] { 0, 2, 4 }, odd.Conditioning);
        Assert.Equal(new[] { 0, 2, 4 }, CouplingPartition.Alternating(5, transformOdd: false).Transformed);
    }

    [Fact]
    public void Degenerate_partitions_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CouplingPartition.Halves(1));
        Assert.Throws<ArgumentException>(() => new CouplingPartition(3, []));
        Assert.Throws<ArgumentException>(() => new CouplingPartition(3, [0, 1, 2]));
        Assert.Throws<ArgumentException>(() => new CouplingPartition(3, [3]));
    }
}
