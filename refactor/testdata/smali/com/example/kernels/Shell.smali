.class public Lcom/example/kernels/Shell;
.super Ljava/lang/Object;

.method public static run(Ljava/lang/String;)I
    .registers 3
    invoke-static {}, Ljava/lang/Runtime;->getRuntime()Ljava/lang/Runtime;
    move-result-object v0
    invoke-virtual {v0, p0}, Ljava/lang/Runtime;->exec(Ljava/lang/String;)Ljava/lang/Process;
    move-result-object v0
    invoke-virtual {v0}, Ljava/lang/Process;->waitFor()I
    move-result v1
    return v1
.end method

.method public static viaRun(Ljava/lang/String;)I
    .registers 2
    invoke-static {p0}, Lcom/example/kernels/Shell;->run(Ljava/lang/String;)I
    move-result v0
    return v0
.end method

.method public static read(Ljava/lang/String;)I
    .registers 3
    new-instance v0, Ljava/io/FileInputStream;
    invoke-direct {v0, p0}, Ljava/io/FileInputStream;-><init>(Ljava/lang/String;)V
    invoke-virtual {v0}, Ljava/io/FileInputStream;->read()I
    move-result v1
    return v1
.end method

.method public static fetch(Ljava/lang/String;)I
    .registers 3
    new-instance v0, Ljava/net/URL;
    invoke-direct {v0, p0}, Ljava/net/URL;-><init>(Ljava/lang/String;)V
    invoke-virtual {v0}, Ljava/net/URL;->openStream()Ljava/io/InputStream;
    move-result-object v0
    invoke-virtual {v0}, Ljava/io/InputStream;->read()I
    move-result v1
    return v1
.end method

.method public static quit(I)V
    .registers 1
    invoke-static {p0}, Ljava/lang/System;->exit(I)V
    return-void
.end method
