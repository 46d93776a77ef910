namespace Mpsa.Hosting;

/// <summary>A background thread of its own, seen as a task: it completes when the body returns and faults with what it throws.</summary>
internal static class DedicatedThread
{
    public static Task Run(string name, Action body)
    {
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                body();
                ended.SetResult();
            }
            catch (Exception e)
            {
                ended.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return ended.Task;
    }
}
