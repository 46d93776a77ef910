using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Mpsa.Controller.Cluster;

/// <summary>
/// Puts the user's <see cref="EtcdToken"/> on every etcd call, so callers of the <c>EtcdClient</c> need not. A single
/// call refused for its token (expired, or from before a change of users) is made once more with a new token; a stream
/// refused for it drops the token, and the caller's next try gets a new one.
/// </summary>
internal sealed class EtcdTokenInterceptor(EtcdToken token) : Interceptor
{
    /// <summary>The call that gets a token carries none.</summary>
    private const string Authenticate = "/etcdserverpb.Auth/Authenticate";

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, BlockingUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        if (context.Method.FullName == Authenticate)
        {
            return continuation(request, context);
        }
        string used = Token(context);
        try
        {
            return continuation(request, With(context, used));
        }
        catch (RpcException e) when (EtcdToken.IsRefusal(e))
        {
            token.Forget(used);
            return continuation(request, With(context, Token(context)));
        }
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        if (context.Method.FullName == Authenticate)
        {
            return continuation(request, context);
        }
        var attempt = new Attempt<TResponse>();
        var response = RespondAsync(request, context, continuation, attempt);
        return new AsyncUnaryCall<TResponse>(response, HeadersAsync(response, attempt),
            () => attempt.Call?.GetStatus() ?? new Status(StatusCode.Unauthenticated, "no etcd token"),
            () => attempt.Call?.GetTrailers() ?? [],
            () => attempt.Call?.Dispose());
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context,
        AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        string used = Token(context);
        var call = continuation(request, With(context, used));
        return new AsyncServerStreamingCall<TResponse>(new RefusalReader<TResponse>(call.ResponseStream, token, used),
            call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context,
        AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(With(context, Token(context)));

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context,
        AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        string used = Token(context);
        var call = continuation(With(context, used));
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(call.RequestStream,
            new RefusalReader<TResponse>(call.ResponseStream, token, used),
            call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    private async Task<TResponse> RespondAsync<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation,
        Attempt<TResponse> attempt)
        where TRequest : class
        where TResponse : class
    {
        var (deadline, cancel) = (context.Options.Deadline, context.Options.CancellationToken);
        string used = await token.GetAsync(deadline, cancel).ConfigureAwait(false);
        attempt.Call = continuation(request, With(context, used));
        try
        {
            return await attempt.Call.ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e) when (EtcdToken.IsRefusal(e))
        {
            token.Forget(used);
            attempt.Call.Dispose();
            string fresh = await token.GetAsync(deadline, cancel).ConfigureAwait(false);
            attempt.Call = continuation(request, With(context, fresh));
            return await attempt.Call.ResponseAsync.ConfigureAwait(false);
        }
    }

    private static async Task<Metadata> HeadersAsync<TResponse>(Task<TResponse> response, Attempt<TResponse> attempt)
    {
        await Task.WhenAny(response).ConfigureAwait(false);   // the headers of the attempt that answered
        return attempt.Call is { } call ? await call.ResponseHeadersAsync.ConfigureAwait(false) : [];
    }

    /// <summary>The token, for a call that must start at once (blocking, or a stream).</summary>
    private string Token<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class
        where TResponse : class =>
        token.Get(context.Options.Deadline, context.Options.CancellationToken);

    private static ClientInterceptorContext<TRequest, TResponse> With<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, string token)
        where TRequest : class
        where TResponse : class
    {
        var headers = new Metadata();
        foreach (var entry in context.Options.Headers ?? [])
        {
            if (entry.Key != EtcdToken.Header)
            {
                headers.Add(entry);
            }
        }
        headers.Add(EtcdToken.Header, token);
        return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host,
            context.Options.WithHeaders(headers));
    }

    /// <summary>The call a unary request is on now (its second, after a refused token).</summary>
    private sealed class Attempt<TResponse>
    {
        public AsyncUnaryCall<TResponse>? Call { get; set; }
    }

    /// <summary>A stream's responses, dropping the token when etcd refuses it.</summary>
    private sealed class RefusalReader<T>(IAsyncStreamReader<T> responses, EtcdToken token, string used)
        : IAsyncStreamReader<T>
    {
        public T Current => responses.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            try
            {
                return await responses.MoveNext(cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (EtcdToken.IsRefusal(e))
            {
                token.Forget(used);
                throw;
            }
        }
    }
}
