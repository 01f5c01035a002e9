# The Java driver (drivers/java) on its pinned com.github:copilot-sdk-java, for
# RUNNER=container. Build context: the repository root (see /.dockerignore).
#
#   docker build --network host -f docker/java.Dockerfile -t conformance-driver-java .
#   printf '{"id":1,"cmd":"hello"}\n' | docker run -i --rm --network host conformance-driver-java
#
# SDK_VERSION=1.0.5 builds against another published release (as the local
# runner does for SDK_VERSION). SDK_SOURCE=1 builds the SDK from the
# checkout put at docker/sdk-source/ of the context (the suite does this for
# SDK_SOURCE): the SDK's java/ folder, its java/sdk/ module, a checkout of
# the monorepo, or a .tar.gz of one of those. As the local runner, it runs
# only the goals that make the SDK's jar (generated sources, resources,
# compiler, jar): none of the SDK's checks or tests, nothing but Maven
# Central needed. That is how the image builds where the Maven registry
# does not serve the pinned release (these machines: see drivers/java/README.md).
#
# JDK 17 is the SDK's maven.compiler.release and what the local runner uses;
# the build stage needs Maven for the dependencies only, the run stage a JRE.
FROM maven:3.9-eclipse-temurin-17 AS build

WORKDIR /src
# The SDK and its dependencies in their own layer: editing Driver.java does
# not resolve them again. copy-dependencies puts the jars in one folder, so
# the run stage needs no Maven repository.
COPY drivers/java/pom.xml ./
ARG SDK_VERSION=
ARG SDK_SOURCE=
RUN if [ -z "$SDK_SOURCE" ]; then \
      if [ -n "$SDK_VERSION" ]; then set -- "-Dcopilot.sdk.version=$SDK_VERSION"; fi; \
      mvn -B -q "$@" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory=/out/lib; \
    fi
COPY docker/sdk-source/ /sdk-source/
RUN set -e; [ -n "$SDK_SOURCE" ] || exit 0; \
    cd /sdk-source; \
    for a in *.tar.gz *.tgz; do if [ -f "$a" ]; then tar -xzf "$a"; rm "$a"; fi; done; \
    artifact() { sed '/<parent>/,/<\/parent>/d' "$1" | grep -m1 -o '<artifactId>[^<]*' | cut -d'>' -f2; }; \
    module=; for d in . sdk java java/sdk */ */sdk */java */java/sdk; do \
      if [ -f "$d/pom.xml" ] && [ "$(artifact "$d/pom.xml")" = copilot-sdk-java ]; then module=$d; break; fi; done; \
    [ -n "$module" ] || { echo "SDK_SOURCE: no pom.xml of com.github:copilot-sdk-java at its top, nor in sdk/, java/, java/sdk/ (or one folder down)" >&2; exit 1; }; \
    echo "building copilot-sdk-java from SDK_SOURCE/$module"; \
    cd "$module"; \
    if grep -q '<id>add-generated-source</id>' pom.xml; then set -- build-helper:add-source@add-generated-source; fi; \
    mvn -B -q "$@" resources:resources compiler:compile jar:jar \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory=/out/lib; \
    cp target/copilot-sdk-java-*.jar /out/lib/; \
    rm -rf /sdk-source
COPY drivers/java/src ./src
RUN javac --release 17 -encoding UTF-8 -d /out/classes -cp '/out/lib/*' src/main/java/conformance/Driver.java \
 && jar --create --file /out/driver.jar -C /out/classes . && rm -rf /out/classes

FROM eclipse-temurin:17-jre
COPY --from=build /out /driver
LABEL conformance.driver=java
# A class-data archive of every class of the driver's classpath, as the
# local runner makes one (internal/sdk/java.go, javaArchive): each
# scenario starts a driver, and the archive spares most of its class
# loading. A JVM that cannot use it runs without it (-Xshare:auto), and
# its log goes to stderr, never to the protocol's stdout.
RUN printf '{"id": 1, "cmd": "hello"}\n' | java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xlog:disable -Xlog:all=warning:stderr \
      -XX:ArchiveClassesAtExit=/driver/driver.jsa -cp '/driver/driver.jar:/driver/lib/*' conformance.Driver --load-every-class >/dev/null \
 && test -s /driver/driver.jsa
USER nobody
# The JVM options of a local driver (internal/sdk/java.go, javaDriverFlags):
# a driver lives for one scenario, too short for C2 or a parallel collector.
ENTRYPOINT ["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:SharedArchiveFile=/driver/driver.jsa", "-Xshare:auto", "-Xlog:disable", "-Xlog:all=warning:stderr", "-cp", "/driver/driver.jar:/driver/lib/*", "conformance.Driver"]
