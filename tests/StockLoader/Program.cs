// Usage: StockLoader <model.zip> <rows.csv>
// Loads the zip with ML.NET's own Model.Load, reads the CSV (a header naming the model's Single input columns, in the
// input schema's order) and prints, per row, "LogDensity<TAB>sum of ComponentPosterior" (a saved flow) or
// "Score<TAB>PredictedLabel" (a saved flow anomaly detector) with round-trip precision.
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

var ml = new MLContext(seed: 1);
var model = ml.Model.Load(args[0], out var inputSchema);
var columns = inputSchema.Select((c, i) => new TextLoader.Column(c.Name, DataKind.Single, i)).ToArray();
var data = ml.Data.CreateTextLoader(columns, separatorChar: ',', hasHeader: true).Load(args[1]);
var scored = model.Transform(data);
if (scored.Schema.GetColumnOrNull("LogDensity") is null)
{
    var score = scored.Schema["Score"];
    var label = scored.Schema["PredictedLabel"];
    Console.WriteLine($"# Score type {score.Type}; PredictedLabel type {label.Type}");
    using var rows = scored.GetRowCursor([score, label]);
    var getScore = rows.GetGetter<float>(score);
    var getLabel = rows.GetGetter<bool>(label);
    float s = 0;
    bool flagged = false;
    while (rows.MoveNext())
    {
        getScore(ref s);
        getLabel(ref flagged);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{s:R}\t{flagged}"));
    }

    return;
}

var logDensity = scored.Schema["LogDensity"];
var posterior = scored.Schema["ComponentPosterior"];
Console.WriteLine($"# LogDensity type {logDensity.Type}; ComponentPosterior type {posterior.Type}");
using var cursor = scored.GetRowCursor([logDensity, posterior]);
var getDensity = cursor.GetGetter<float>(logDensity);
var getPosterior = cursor.GetGetter<VBuffer<float>>(posterior);
float value = 0;
var probabilities = default(VBuffer<float>);
while (cursor.MoveNext())
{
    getDensity(ref value);
    getPosterior(ref probabilities);
    float sum = 0;
    foreach (var p in probabilities.DenseValues())
    {
        sum += p;
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{value:R}\t{sum:R}"));
}
