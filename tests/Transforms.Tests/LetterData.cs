using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMixture.Training.Data;

namespace MLNetMixture.Transforms.Tests;

/// <summary>The letter data set (data/letter_*.csv): 16 integer features and an integer label 0..25, read by ML.NET and by our reader.</summary>
internal static class LetterData
{
    public const int TrainRows = 3000;
    public const int Classes = 26;

    public static readonly string[] FeatureNames =
        ["x_box", "y_box", "width", "high", "onpix", "x_bar", "y_bar", "x2bar", "y2bar", "xybar", "x2ybr", "xy2br", "x_ege", "xegvy", "y_ege", "yegvx"];

    public static string TrainPath => Path.Combine(RepositoryRoot(), "data", "letter_train.csv");

    public static string TestPath => Path.Combine(RepositoryRoot(), "data", "letter_test.csv");

    /// <summary>The first <see cref="TrainRows"/> training rows, with ML.NET's text loader: 16 Single columns and a Single "label".</summary>
    public static IDataView MLNetTrain(MLContext ml) => ml.Data.TakeRows(Load(ml, TrainPath), TrainRows);

    /// <summary>The test file, with ML.NET's text loader.</summary>
    public static IDataView MLNetTest(MLContext ml) => Load(ml, TestPath);

    /// <summary>The first <see cref="TrainRows"/> training rows, with our reader.</summary>
    public static FeatureTable OurTrain() => CsvFeatureReader.Read(TrainPath, label: "label").Slice(0, TrainRows);

    /// <summary>The test file, with our reader.</summary>
    public static FeatureTable OurTest() => CsvFeatureReader.Read(TestPath, label: "label");

    private static IDataView Load(MLContext ml, string path)
    {
        var columns = FeatureNames.Select((n, i) => new TextLoader.Column(n, DataKind.Single, i))
            .Append(new TextLoader.Column("label", DataKind.Single, FeatureNames.Length))
            .ToArray();
        return ml.Data.LoadFromTextFile(path, columns, separatorChar: ',', hasHeader: true);
    }

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MLNetMixture.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException($"No MLNetMixture.sln above {AppContext.BaseDirectory}.");
    }
}
