// Run by maven-invoker-plugin after the sample's build: what a user would see.
import javax.xml.parsers.DocumentBuilderFactory

def log = new File(basedir, 'build.log').text

def result = (log =~ /RESULT quickstart accuracy (\d+\.\d+)/)
assert result.find() : "no RESULT line in ${basedir}/build.log"
def accuracy = result.group(1) as double
assert accuracy >= 0.9 : "quickstart accuracy ${accuracy} < 0.9"

// the flags came from the argument file in the orca-common jar (OrcaContext checks them)
assert new File(basedir, 'target/orca/dev/orca/common/jvm-options.txt').isFile()
// quiet by default: no logging configuration of the sample's, and not one INFO line of Spark's
assert !(log =~ /INFO +SparkContext/) : "Spark logged at INFO: see ${basedir}/build.log"
assert log.contains('INFO  OrcaContext: OrcaContext started') : 'no INFO line of Orca\'s'

// the repository's files (the sample is cloned to samples/target/it/quickstart)
def repo = new File(basedir, '../../../..').canonicalFile
def xml = { String path -> DocumentBuilderFactory.newInstance().newDocumentBuilder()
    .parse(new File(repo, path)).documentElement }
def childText = { element, String name ->
    def nodes = element.getElementsByTagName(name)
    (0..<nodes.length).collect { nodes.item(it) }.find { it.parentNode == element }?.textContent
}

// the version the sample asks for is the version this build made
def bom = xml('orca-bom/pom.xml')
def asked = xml('samples/quickstart/pom.xml').getElementsByTagName('orca.version').item(0).textContent
assert asked == childText(bom, 'version') :
    "samples/quickstart asks for Orca ${asked}, the build makes ${childText(bom, 'version')}"

// the BOM manages every module of the reactor that is published (not maven.deploy.skip)
def dependencies = bom.getElementsByTagName('dependency')
def managed = (0..<dependencies.length).collect { dependencies.item(it) }
    .findAll { childText(it, 'groupId') == 'dev.orca' }.collect { childText(it, 'artifactId') } as Set
def modules = xml('pom.xml').getElementsByTagName('module')
def published = (0..<modules.length).collect { modules.item(it).textContent }.findAll { m ->
    m != 'orca-bom' && xml("${m}/pom.xml").getElementsByTagName('maven.deploy.skip').length == 0
} as Set
assert managed == published : "orca-bom manages ${managed}, the published modules are ${published}"

// and sets the libraries Ray and Spark disagree on to the versions of the build's parent POM
def parent = xml('pom.xml')
['jackson.version', 'jackson.annotations.version', 'log4j.version', 'slf4j.version',
 'guava.version', 'arrow.version', 'scala.binary.version'].each { name ->
    def inBom = bom.getElementsByTagName(name).item(0)?.textContent
    def inParent = parent.getElementsByTagName(name).item(0)?.textContent
    assert inBom == inParent : "${name}: ${inBom} in orca-bom, ${inParent} in the parent POM"
}

// the exec plugin the sample runs is the one the build stages for it (samples/pom.xml)
def execVersion = parent.getElementsByTagName('exec-maven-plugin.version').item(0).textContent
def samplePlugins = xml('samples/quickstart/pom.xml').getElementsByTagName('plugin')
def execPins = (0..<samplePlugins.length).collect { samplePlugins.item(it) }
    .findAll { childText(it, 'artifactId') == 'exec-maven-plugin' && childText(it, 'version') }
    .collect { childText(it, 'version') }
assert execPins == [execVersion] :
    "samples/quickstart pins exec-maven-plugin ${execPins}, the build stages ${execVersion}"
true
